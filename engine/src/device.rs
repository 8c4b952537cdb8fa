//! The GPU device: one wgpu device per page, shared by our own WGSL kernels and by burn.
//!
//! We create the adapter and device ourselves rather than letting burn do it, for two
//! reasons: (1) we request the adapter's *real* limits (WebGPU's defaults cap a storage
//! binding at 128 MiB, far below what weights need), and (2) natively the very same
//! `wgpu::Device`/`Queue` is then handed to burn, so burn's tensors and our kernels live
//! on one device and one queue. In the browser burn's GPU backend is not compiled in
//! (see `engine/Cargo.toml`): the GPU is reached through our own kernels only.

use crate::EngineError;
use burn::tensor::Device;

/// What the adapter is and what it allows, for the status panel and for guards.
#[derive(Debug, Clone, PartialEq)]
pub struct AdapterReport {
    /// Adapter name as the driver reports it (browsers may leave it empty).
    pub name: String,
    /// Graphics API: "Vulkan", "BrowserWebGpu", "Metal", …
    pub backend: String,
    /// Device class: "DiscreteGpu", "IntegratedGpu", "Cpu", …
    pub device_type: String,
    /// Driver name and version.
    pub driver: String,
    /// A software rasterizer (lavapipe, SwiftShader): correct but slow.
    pub is_software: bool,
    /// The adapter supports `shader-f16`.
    pub shader_f16: bool,
    /// Key limits requested from (and granted by) the adapter.
    pub limits: KeyLimits,
}

/// The limits that decide how big our kernels' problems can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyLimits {
    /// Largest storage buffer binding, bytes.
    pub max_storage_buffer_binding_size: u64,
    /// Largest buffer, bytes.
    pub max_buffer_size: u64,
    /// Workgroup (shared) memory, bytes.
    pub max_compute_workgroup_storage_size: u32,
    /// Invocations per workgroup.
    pub max_compute_invocations_per_workgroup: u32,
    /// Workgroups per dispatch dimension.
    pub max_compute_workgroups_per_dimension: u32,
}

impl KeyLimits {
    fn from_wgpu(l: &wgpu::Limits) -> Self {
        Self {
            max_storage_buffer_binding_size: l.max_storage_buffer_binding_size,
            max_buffer_size: l.max_buffer_size,
            max_compute_workgroup_storage_size: l.max_compute_workgroup_storage_size,
            max_compute_invocations_per_workgroup: l.max_compute_invocations_per_workgroup,
            max_compute_workgroups_per_dimension: l.max_compute_workgroups_per_dimension,
        }
    }
}

/// A GPU device ready for our kernels and for burn.
#[derive(Debug, Clone)]
pub struct Gpu {
    /// The wgpu device (shared with burn).
    pub device: wgpu::Device,
    /// The queue (shared with burn).
    pub queue: wgpu::Queue,
    /// What the adapter is.
    pub report: AdapterReport,
    /// burn's handle to the same device (native builds only).
    #[cfg(not(target_family = "wasm"))]
    pub burn_device: Device,
}

impl Gpu {
    /// Finds the best adapter, opens a device with the adapter's full limits and all of
    /// its features, and registers that device with burn.
    ///
    /// # Errors
    /// [`EngineError::NoAdapter`] when there is no WebGPU (browser) or no Vulkan/Metal/DX12
    /// adapter (native); [`EngineError::DeviceRequest`] / [`EngineError::BurnInit`] when
    /// the device cannot be opened or handed to burn.
    pub async fn init() -> Result<Self, EngineError> {
        // In a browser, WebGPU must be decided before the instance exists: `navigator.gpu`
        // can be present and still offer no adapter (Chromium with WebGPU disabled).
        #[cfg(target_family = "wasm")]
        if !wgpu::util::is_browser_webgpu_supported().await {
            return Err(EngineError::NoAdapter(
                "this browser offers no WebGPU adapter (WebGPU is missing or disabled)".into(),
            ));
        }
        // PRIMARY = Vulkan, Metal, DX12 natively and WebGPU in the browser. GL is left
        // out: burn's WGSL path needs compute shaders GL ES cannot give reliably.
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: wgpu::Backends::PRIMARY,
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| EngineError::NoAdapter(e.to_string()))?;
        let info = adapter.get_info();
        let limits = adapter.limits();
        // Mappable primary buffers are slow on discrete GPUs; burn leaves it off too.
        let features = adapter
            .features()
            .difference(wgpu::Features::MAPPABLE_PRIMARY_BUFFERS);
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("kinora"),
                required_features: features,
                required_limits: limits.clone(),
                experimental_features: wgpu::ExperimentalFeatures::disabled(),
                memory_hints: wgpu::MemoryHints::MemoryUsage,
                trace: wgpu::Trace::Off,
            })
            .await
            .map_err(|e| EngineError::DeviceRequest(e.to_string()))?;
        let granted = device.limits();
        let (name, is_software) = (info.name.clone(), info.device_type == wgpu::DeviceType::Cpu);
        #[cfg(target_family = "wasm")]
        let (name, is_software) = match crate::browser_adapter::browser_adapter_info().await {
            Some(browser) if name.is_empty() => {
                (browser.description, is_software || browser.is_fallback)
            }
            Some(browser) => (name, is_software || browser.is_fallback),
            None => (name, is_software),
        };
        let report = AdapterReport {
            name: if name.is_empty() {
                "unnamed adapter".to_string()
            } else {
                name
            },
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: format!("{} {}", info.driver, info.driver_info)
                .trim()
                .to_string(),
            is_software,
            shader_f16: device.features().contains(wgpu::Features::SHADER_F16),
            limits: KeyLimits::from_wgpu(&granted),
        };
        #[cfg(not(target_family = "wasm"))]
        let burn_device = {
            let setup = burn::tensor::wgpu::WgpuSetup {
                instance,
                adapter,
                device: device.clone(),
                queue: queue.clone(),
                backend: info.backend,
            };
            Device::wgpu_options()
                .setup(setup)
                .init()
                .map_err(|e| EngineError::BurnInit(e.to_string()))?
        };
        Ok(Self {
            device,
            queue,
            report,
            #[cfg(not(target_family = "wasm"))]
            burn_device,
        })
    }
}

/// The CPU fallback device: burn's pure-Rust `flex` backend (also compiled to wasm).
pub fn cpu_device() -> Device {
    Device::flex()
}
