//! Guides: the longer explanations behind the crate's front page, one topic a page. Each code
//! block here is compiled as a doctest.

#[doc = include_str!("porting.md")]
pub mod porting {}

#[doc = include_str!("webhooks.md")]
pub mod webhooks {}

#[doc = include_str!("unknown_outcomes.md")]
pub mod unknown_outcomes {}

#[doc = include_str!("errors.md")]
pub mod errors {}

#[doc = include_str!("emulator.md")]
pub mod emulator {}

#[doc = include_str!("other_languages.md")]
pub mod other_languages {}

#[doc = include_str!("testing.md")]
pub mod testing {}

#[doc = include_str!("differences_from_python.md")]
pub mod differences_from_python {}

#[doc = include_str!("performance.md")]
pub mod performance {}
