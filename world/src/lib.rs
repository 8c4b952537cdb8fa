//! The procedural world (work in progress).
