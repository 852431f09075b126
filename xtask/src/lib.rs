//! The workspace's code generator: `openapi/login.yaml` in, the generated
//! files of `login-types`, `login-client` and `login-server` out.

pub mod bench;
pub mod codegen;
pub mod roundtrip;
pub mod spec;
