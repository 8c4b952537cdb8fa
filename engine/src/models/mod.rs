//! Kinora's generative models, one burn definition for training (`train/`) and inference
//! (CLI and browser): the [`text`] encoder, the causal video [`vae`], the video [`dit`],
//! the [`sampler`], the shipped [`weights`] format and the text → video [`pipeline`].
//!
//! Sizes are chosen for sample efficiency on a 2-core CPU (DESIGN.md §5): 64×64 base video
//! (8×8 latents, 8 channels, 4× fewer latent frames than video frames), 2×2 latent patches
//! (96 tokens for 2 s at 12 fps), a ~2M-parameter DiT, and a text encoder trained first on
//! text alone so the DiT starts from a disentangled condition.

pub mod audio;
pub mod camera;
pub mod contacts;
pub mod dit;
pub mod layers;
pub mod layout;
pub mod loudness;
pub mod noise;
pub mod pipeline;
pub mod reframe;
pub mod sampler;
pub mod spectrum;
pub mod speech;
pub mod sprite;
pub mod text;
pub mod vae;
pub mod weights;
mod words;
