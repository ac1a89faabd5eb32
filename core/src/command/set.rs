//! The set command group.

use super::CommandSpec;

pub(crate) static COMMANDS: &[CommandSpec] = &[];
