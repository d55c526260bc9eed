//! [`Sdk`]: the SDK library, opened and its PCI layer initialised.

use crate::api::Api;
use crate::error::{check, SdkError};
use std::sync::Mutex;

/// Environment variable naming the SDK library to open instead of [`DEFAULT_LIBRARY`].
pub const LIBRARY_ENV: &str = "FPEVM_FPGA_MGMT_LIB";
/// The SDK library's name, looked up on the dynamic loader's path.
pub const DEFAULT_LIBRARY: &str = "libfpga_mgmt.so";

/// The AWS FPGA SDK, loaded, with `fpga_pci_init` done.
///
/// The management layer (`fpga_mgmt_init`) is initialised on the first [`crate::mgmt`] call.
/// Its state is the library's, one per process, so it is closed when the last `Sdk` that
/// initialised it is dropped ([`MGMT_USERS`]). Handles ([`crate::PciBar`]) keep an
/// `Arc<Sdk>`, so the library stays loaded while any of them is attached.
pub struct Sdk {
    api: Api,
    /// `Some(code)` once `fpga_mgmt_init` has been called: its return code.
    mgmt: Mutex<Option<i32>>,
}

/// How many live [`Sdk`]s initialised the management layer successfully. The SDK keeps that
/// layer in process-wide state: closing it while another `Sdk` still uses it would make that
/// one's calls fail (`fpga_mgmt_close` under a concurrent `describe` returned `-EINVAL`).
/// Init and close both run under this lock.
static MGMT_USERS: Mutex<usize> = Mutex::new(0);

impl Sdk {
    /// Opens the library named by [`LIBRARY_ENV`], else [`DEFAULT_LIBRARY`] (with feature
    /// `link`: the library linked at build time), and initialises its PCI layer.
    pub fn load() -> Result<Self, SdkError> {
        #[cfg(not(feature = "link"))]
        {
            let library = std::env::var_os(LIBRARY_ENV).unwrap_or_else(|| DEFAULT_LIBRARY.into());
            Self::load_from(library)
        }
        #[cfg(feature = "link")]
        Self::init(Api)
    }

    /// Opens the SDK library at `library` (a path, or a name for the loader's search path)
    /// and initialises its PCI layer. With feature `link` there is nothing to open: this is
    /// [`SdkError::Load`].
    pub fn load_from(library: impl AsRef<std::ffi::OsStr>) -> Result<Self, SdkError> {
        let library = library.as_ref();
        #[cfg(not(feature = "link"))]
        {
            // SAFETY: opening a shared library runs its initialisers; the library is the AWS
            // FPGA SDK (or a stand-in) that the user chose. bindgen's loader checks that every
            // declared symbol exists, and the declarations follow the SDK's documentation.
            let api = unsafe { Api::new(library) }.map_err(|e| SdkError::Load {
                library: library.to_string_lossy().into_owned(),
                reason: e.to_string(),
            })?;
            Self::init(api)
        }
        #[cfg(feature = "link")]
        Err(SdkError::Load {
            library: library.to_string_lossy().into_owned(),
            reason: "this build links libfpga_mgmt at build time (feature `link`)".into(),
        })
    }

    fn init(api: Api) -> Result<Self, SdkError> {
        // SAFETY: no arguments; the SDK documents fpga_pci_init as safe to call first.
        check("fpga_pci_init", unsafe { api.fpga_pci_init() })?;
        Ok(Self {
            api,
            mgmt: Mutex::new(None),
        })
    }

    /// The SDK's functions.
    pub(crate) fn api(&self) -> &Api {
        &self.api
    }

    /// Initialises the management layer once; later calls return the first call's outcome.
    pub(crate) fn ensure_mgmt(&self) -> Result<(), SdkError> {
        let mut state = self.mgmt.lock().unwrap_or_else(|p| p.into_inner());
        let code = *state.get_or_insert_with(|| {
            let mut users = MGMT_USERS.lock().unwrap_or_else(|p| p.into_inner());
            // SAFETY: no arguments; serialised with every other init and close by MGMT_USERS.
            let code = unsafe { self.api.fpga_mgmt_init() };
            if code == 0 {
                *users += 1;
            }
            code
        });
        check("fpga_mgmt_init", code)
    }
}

impl Drop for Sdk {
    fn drop(&mut self) {
        let state = self.mgmt.get_mut().unwrap_or_else(|p| p.into_inner());
        if *state == Some(0) {
            let mut users = MGMT_USERS.lock().unwrap_or_else(|p| p.into_inner());
            *users -= 1;
            if *users == 0 {
                // SAFETY: the management layer was initialised, no other live Sdk uses it,
                // and no handle outlives its Sdk (handles hold an Arc<Sdk>).
                unsafe {
                    self.api.fpga_mgmt_close();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(feature = "link"))]
    #[test]
    fn a_missing_library_is_a_load_error() {
        let missing = "/nonexistent/fpevm/libfpga_mgmt.so";
        match Sdk::load_from(missing) {
            Err(SdkError::Load { library, reason }) => {
                assert_eq!(library, missing);
                assert!(!reason.is_empty());
            }
            Err(other) => panic!("expected a load error, got {other}"),
            Ok(_) => panic!("a missing library loaded"),
        }
    }

    #[cfg(not(feature = "link"))]
    #[test]
    fn a_library_without_the_sdk_symbols_is_a_load_error() {
        // libm is on every glibc system and has none of the SDK's functions.
        match Sdk::load_from("libm.so.6") {
            Err(SdkError::Load { reason, .. }) => {
                assert!(reason.contains("fpga_"), "{reason}");
            }
            Err(other) => panic!("expected a load error, got {other}"),
            Ok(_) => panic!("libm loaded as the SDK"),
        }
    }
}
