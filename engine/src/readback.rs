//! Asynchronous GPU → CPU readback. Never blocks the browser's main thread: the map
//! callback completes a oneshot channel that the caller awaits. Natively we also drive
//! the device with a blocking poll, since no event loop will do it for us.

use crate::EngineError;

/// Copies `source` (`len` f32 values from offset 0) into a fresh mappable buffer and
/// returns its contents.
pub async fn read_f32(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    source: &wgpu::Buffer,
    len: usize,
) -> Result<Vec<f32>, EngineError> {
    let bytes = (len * std::mem::size_of::<f32>()) as u64;
    let staging = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("kinora readback"),
        size: bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
        label: Some("kinora readback copy"),
    });
    encoder.copy_buffer_to_buffer(source, 0, &staging, 0, bytes);
    queue.submit([encoder.finish()]);

    let (sender, receiver) = futures_channel::oneshot::channel();
    staging.map_async(wgpu::MapMode::Read, .., move |result| {
        // The receiver only disappears if the caller gave up; nothing to report then.
        let _ = sender.send(result);
    });
    #[cfg(not(target_family = "wasm"))]
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| EngineError::Readback(e.to_string()))?;
    receiver
        .await
        .map_err(|_| EngineError::Readback("the device dropped the map request".into()))?
        .map_err(|e| EngineError::Readback(e.to_string()))?;
    let values = {
        let view = staging
            .get_mapped_range(..)
            .map_err(|e| EngineError::Readback(e.to_string()))?;
        bytemuck::cast_slice::<u8, f32>(&view).to_vec()
    };
    staging.unmap();
    Ok(values)
}
