//! The SDK's functions behind one name, [`Api`], whichever way the library was bound: the
//! run-time table bindgen generated ([`raw::FpgaSdk`]) or, with feature `link`, a unit struct
//! whose methods call the linked functions with the same names and signatures.

#[cfg(not(feature = "link"))]
pub(crate) use crate::raw::FpgaSdk as Api;

#[cfg(feature = "link")]
pub(crate) use linked::Linked as Api;

#[cfg(feature = "link")]
mod linked {
    use crate::raw;
    use std::os::raw::{c_char, c_int, c_void};

    /// The linked SDK: each method forwards to the `extern "C"` function of its name.
    pub(crate) struct Linked;

    impl Linked {
        pub(crate) unsafe fn fpga_pci_init(&self) -> c_int {
            raw::fpga_pci_init()
        }
        pub(crate) unsafe fn fpga_pci_attach(
            &self,
            slot: c_int,
            pf: c_int,
            bar: c_int,
            flags: u32,
            handle: *mut raw::pci_bar_handle_t,
        ) -> c_int {
            raw::fpga_pci_attach(slot, pf, bar, flags, handle)
        }
        pub(crate) unsafe fn fpga_pci_detach(&self, handle: raw::pci_bar_handle_t) -> c_int {
            raw::fpga_pci_detach(handle)
        }
        pub(crate) unsafe fn fpga_pci_peek(
            &self,
            handle: raw::pci_bar_handle_t,
            offset: u64,
            value: *mut u32,
        ) -> c_int {
            raw::fpga_pci_peek(handle, offset, value)
        }
        pub(crate) unsafe fn fpga_pci_poke(
            &self,
            handle: raw::pci_bar_handle_t,
            offset: u64,
            value: u32,
        ) -> c_int {
            raw::fpga_pci_poke(handle, offset, value)
        }
        pub(crate) unsafe fn fpga_pci_peek64(
            &self,
            handle: raw::pci_bar_handle_t,
            offset: u64,
            value: *mut u64,
        ) -> c_int {
            raw::fpga_pci_peek64(handle, offset, value)
        }
        pub(crate) unsafe fn fpga_pci_poke64(
            &self,
            handle: raw::pci_bar_handle_t,
            offset: u64,
            value: u64,
        ) -> c_int {
            raw::fpga_pci_poke64(handle, offset, value)
        }
        pub(crate) unsafe fn fpga_pci_get_address(
            &self,
            handle: raw::pci_bar_handle_t,
            offset: u64,
            dword_len: u64,
            ptr: *mut *mut c_void,
        ) -> c_int {
            raw::fpga_pci_get_address(handle, offset, dword_len, ptr)
        }
        pub(crate) unsafe fn fpga_mgmt_init(&self) -> c_int {
            raw::fpga_mgmt_init()
        }
        pub(crate) unsafe fn fpga_mgmt_close(&self) -> c_int {
            raw::fpga_mgmt_close()
        }
        pub(crate) unsafe fn fpga_mgmt_get_status(
            &self,
            slot: c_int,
            status: *mut c_int,
            status_q: *mut c_int,
        ) -> c_int {
            raw::fpga_mgmt_get_status(slot, status, status_q)
        }
        pub(crate) unsafe fn fpga_mgmt_describe_local_image(
            &self,
            slot: c_int,
            info: *mut raw::fpga_mgmt_image_info,
            flags: u32,
        ) -> c_int {
            raw::fpga_mgmt_describe_local_image(slot, info, flags)
        }
        pub(crate) unsafe fn fpga_mgmt_load_local_image(
            &self,
            slot: c_int,
            afi_id: *mut c_char,
        ) -> c_int {
            raw::fpga_mgmt_load_local_image(slot, afi_id)
        }
    }
}
