//! Training and evaluation of the audio model ([`kinora_engine::models::audio`]): world
//! soundtracks as data ([`data`]), the flow trainer ([`train`]) and the judge's audio rows
//! ([`judge`]) and the model's sound for a scene's own picture ([`scene`]).

pub mod codec;
pub mod data;
pub mod judge;
pub mod scene;
pub mod train;
