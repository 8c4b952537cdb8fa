//! The status panel: which compute backend the engine worker found (WebGPU adapter or CPU
//! fallback) and the kernel self-test result with measured GFLOP/s.

use crate::engine::Engine;
use kinora_protocol::{Backend, SelfTestSummary};
use leptos::prelude::*;

/// Self-test benchmark problem: 2·256·256·512 = 67 MFLOP per run, about a quarter of a
/// second on a software WebGPU adapter and a few milliseconds on a real GPU.
const BENCH_SHAPE: (usize, usize, usize) = (256, 256, 512);
const BENCH_REPEATS: u32 = 4;

/// Asks the worker to detect the backend and run the self-test on it, and shows both.
#[component]
pub fn StatusPanel() -> impl IntoView {
    let engine = expect_context::<Engine>();
    engine.self_test(BENCH_SHAPE, BENCH_REPEATS);
    view! {
        <section class="status" data-testid="status-panel">
            <h2>"Device"</h2>
            {move || backend_view(engine.backend.get())}
            <h2>"Kernel self-test"</h2>
            {move || self_test_view(engine.self_test.get())}
        </section>
    }
}

fn backend_view(backend: Option<Backend>) -> AnyView {
    match backend {
        None => view! {
            <p data-testid="backend" data-kind="detecting">"Looking for a GPU…"</p>
        }
        .into_any(),
        Some(Backend::Gpu(r)) => {
            let limits = r.clone();
            view! {
                <p data-testid="backend" data-kind="webgpu">
                    "WebGPU: " <strong data-testid="adapter-name">{r.name.clone()}</strong>
                    {format!(" ({}, {})", r.backend, r.device_type)}
                    {r.is_software.then_some(" — a software adapter: correct but slow")}
                </p>
                <ul class="limits" data-testid="limits">
                    <li>{format!("max storage binding: {} MiB", limits.max_storage_buffer_binding_size >> 20)}</li>
                    <li>{format!("max buffer: {} MiB", limits.max_buffer_size >> 20)}</li>
                    <li>{format!("workgroup memory: {} KiB", limits.max_compute_workgroup_storage_size >> 10)}</li>
                    <li>{format!("invocations per workgroup: {}", limits.max_compute_invocations_per_workgroup)}</li>
                    <li data-testid="shader-f16">{format!("shader-f16: {}", if r.shader_f16 { "yes" } else { "no" })}</li>
                </ul>
            }
            .into_any()
        }
        Some(Backend::Cpu { reason }) => view! {
            <p data-testid="backend" data-kind="cpu">
                <strong>"CPU fallback — no WebGPU"</strong>
                " (" {reason} "). Everything still works on the CPU, only slower."
            </p>
        }
        .into_any(),
    }
}

fn self_test_view(state: Option<Result<SelfTestSummary, String>>) -> AnyView {
    match state {
        None => view! {
            <p data-testid="selftest" data-state="running">"Running the kernel self-test…"</p>
        }
        .into_any(),
        Some(Err(message)) => view! {
            <p data-testid="selftest" data-state="error">"Self-test could not run: " {message}</p>
        }
        .into_any(),
        Some(Ok(report)) => {
            let passed = report.passed();
            view! {
                <p data-testid="selftest" data-state=if passed { "pass" } else { "fail" }>
                    <strong>{if passed { "PASS" } else { "FAIL" }}</strong>
                    " on " <span data-testid="selftest-backend">{report.label.clone()}</span>
                </p>
                <p>
                    "int8 dequant-matmul "
                    {format!("{}×{}×{}", report.bench_shape.0, report.bench_shape.1, report.bench_shape.2)}
                    ": " <strong data-testid="gflops">{format!("{:.3}", report.gflops)}</strong> " GFLOP/s"
                </p>
                {report.cpu_gflops.map(|cpu| backend_choice(report.gflops, cpu))}
                <ul class="cases" data-testid="selftest-cases">
                    {report
                        .cases
                        .iter()
                        .map(|c| {
                            view! {
                                <li data-passed=c.passed.to_string()>
                                    {format!(
                                        "{} {}×{}×{}: max error {:.2e} {}",
                                        c.kernel,
                                        c.shape.0,
                                        c.shape.1,
                                        c.shape.2,
                                        c.max_error,
                                        if c.passed { "ok" } else { "FAILED" },
                                    )}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any()
        }
    }
}

/// Why the models run where they run: the same int8 matmul on this WebGPU adapter and on
/// the CPU backend, measured just now.
fn backend_choice(gpu: f64, cpu: f64) -> impl IntoView {
    let text = if cpu >= gpu {
        format!(
            "The models run on the CPU: it is {:.1}× faster than this WebGPU adapter on the same matmul.",
            cpu / gpu.max(1e-9)
        )
    } else {
        format!(
            "This WebGPU adapter is {:.1}× faster than the CPU on the same matmul, but the models do not run on WebGPU yet: they run on the CPU.",
            gpu / cpu.max(1e-9)
        )
    };
    view! {
        <p data-testid="backend-choice">
            "Same matmul on the CPU (burn flex in wasm): "
            <strong data-testid="cpu-gflops">{format!("{cpu:.3}")}</strong>
            " GFLOP/s. "
            {text}
        </p>
    }
}
