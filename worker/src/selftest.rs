//! The kernel self-test, in the worker: the WebGPU adapter (or why there is none) and the
//! int8/int4 dequant-matmuls and attention checked on it (the int8 matmul timed), or on
//! the CPU.

use crate::scope::post;
use kinora_engine::EngineError;
use kinora_engine::device::Gpu;
use kinora_engine::selftest::{Compute, run_self_test};
use kinora_protocol::{Adapter, Backend, FromEngine, SelfTestCase, SelfTestSummary};

/// Finds the backend, says which, runs the self-test on it and says how it went.
pub async fn run(shape: (usize, usize, usize), repeats: u32) {
    let compute = match Gpu::init().await {
        Ok(gpu) => {
            let r = &gpu.report;
            post(&FromEngine::Backend(Backend::Gpu(Adapter {
                name: r.name.clone(),
                backend: r.backend.clone(),
                device_type: r.device_type.clone(),
                is_software: r.is_software,
                shader_f16: r.shader_f16,
                max_storage_buffer_binding_size: r.limits.max_storage_buffer_binding_size,
                max_buffer_size: r.limits.max_buffer_size,
                max_compute_workgroup_storage_size: r.limits.max_compute_workgroup_storage_size,
                max_compute_invocations_per_workgroup: r
                    .limits
                    .max_compute_invocations_per_workgroup,
            })));
            Compute::Gpu(Box::new(gpu))
        }
        Err(e) => {
            let reason = match e {
                EngineError::NoAdapter(why) => why,
                other => other.to_string(),
            };
            post(&FromEngine::Backend(Backend::Cpu { reason }));
            Compute::Cpu
        }
    };
    let result = run_self_test(&compute, shape, repeats)
        .await
        .map(|report| SelfTestSummary {
            label: report.label.clone(),
            cases: report
                .cases
                .iter()
                .map(|c| SelfTestCase {
                    kernel: c.kernel.to_string(),
                    shape: c.shape,
                    max_error: c.max_error,
                    passed: c.passed,
                })
                .collect(),
            bench_shape: report.bench.shape,
            gflops: report.bench.gflops,
            cpu_gflops: report.cpu_bench.as_ref().map(|b| b.gflops),
        })
        .map_err(|e| e.to_string());
    post(&FromEngine::SelfTest(result));
}
