//! Training of the text → video model, in three stages that each freeze the one before:
//! [`text_train`] (text alone), [`vae_train`] (clips), [`dit_train`] (latents), then
//! export to the shipped format and the judge's evaluation ([`eval`]). Data comes from the
//! world ([`data`]), rendered once and cached.

pub mod augment;
pub mod common;
pub mod data;
pub mod dit_train;
pub mod edit_eval;
pub mod eval;
pub mod plot;
pub mod schema;
pub mod sprite_train;
pub mod text_train;
pub mod trajectory;
pub mod vae_train;
