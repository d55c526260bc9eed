/*
 * fpevm_aws_sdk.h: the part of the AWS FPGA SDK's userspace API (libfpga_mgmt) that fpevm
 * uses, declared by this project from the SDK's documented signatures (fpga_pci.h,
 * fpga_mgmt.h, hal/fpga_common.h of the aws-fpga repository). bindgen reads this file when
 * AWS_FPGA_SDK_DIR is not set; when it is, bindgen reads the SDK's own headers instead and
 * this file is not used.
 *
 * ABI notes
 * - Functions, the handle type and the enum constants below are as documented; their values
 *   are checked by the crate's tests.
 * - struct fpga_mgmt_image_info: the SDK documents its leading fields (status, status_q,
 *   slot_id, then the packed struct fpga_meta_ids) but the fields after them (the slot spec,
 *   whose size depends on FPGA_BAR_PER_PF_MAX, sh_version, the metrics) have changed between
 *   SDK releases. This header therefore declares only the documented leading fields and
 *   reserves FPEVM_IMAGE_INFO_TAIL opaque bytes after them, several times more than any
 *   known release's remainder, so that the SDK can never write past the caller's buffer.
 *   Nothing after `ids` is read through this header. Building with AWS_FPGA_SDK_DIR uses the
 *   SDK's exact definition instead.
 */
#ifndef FPEVM_AWS_SDK_H
#define FPEVM_AWS_SDK_H

#include <stdint.h>

/* ---- hal/fpga_common.h ---- */

/* Longest AFI id string, NUL included. */
#define AFI_ID_STR_MAX 64

/* Physical functions of a slot. */
enum {
    FPGA_APP_PF = 0,
    FPGA_MGMT_PF = 1,
    FPGA_PF_MAX
};

/* BARs of the application PF: BAR0 is the OCL AXI-Lite window (the core's registers). */
enum {
    APP_PF_BAR0 = 0,
    APP_PF_BAR1 = 1,
    APP_PF_BAR4 = 4,
    APP_PF_BAR_MAX
};

/* Slot status, as fpga_mgmt_get_status and fpga_mgmt_describe_local_image report it. */
enum {
    FPGA_STATUS_LOADED = 0,
    FPGA_STATUS_CLEARED = 1,
    FPGA_STATUS_BUSY = 2,
    FPGA_STATUS_NOT_PROGRAMMED = 3,
    FPGA_STATUS_LOAD_FAILED = 7,
    FPGA_STATUS_END
};

/* Positive error codes of the management calls (negative returns are -errno). */
enum {
    FPGA_ERR_OK = 0,
    FPGA_ERR_AFI_CMD_BUSY = 3,
    FPGA_ERR_AFI_ID_INVALID = 5,
    FPGA_ERR_AFI_CMD_API_VERSION_INVALID = 11,
    FPGA_ERR_CL_ID_MISMATCH = 12,
    FPGA_ERR_CL_DDR_CALIB_FAILED = 13,
    FPGA_ERR_FAIL = 14,
    FPGA_ERR_SHELL_MISMATCH = 16,
    FPGA_ERR_END
};

/* PCI ids an AFI is expected to show. */
struct afi_device_ids {
    uint16_t vendor_id;
    uint16_t device_id;
    uint16_t svid;
    uint16_t ssid;
} __attribute__((packed));

/* The AFI loaded in a slot: id string (NUL-terminated, zero-padded) and PCI ids. */
struct fpga_meta_ids {
    char afi_id[AFI_ID_STR_MAX];
    struct afi_device_ids afi_device_ids;
} __attribute__((packed));

/* ---- fpga_pci.h ---- */

/* Handle of one attached BAR. */
typedef int pci_bar_handle_t;
#define PCI_BAR_HANDLE_INIT (-1)

/* Flags of fpga_pci_attach. */
enum {
    BURST_CAPABLE = 0x1,
    FPGA_ATTACH_RESERVED = 0xfffffffe
};

int fpga_pci_init(void);
int fpga_pci_attach(int slot_id, int pf_id, int bar_id, uint32_t flags,
                    pci_bar_handle_t *handle);
int fpga_pci_detach(pci_bar_handle_t handle);
int fpga_pci_poke(pci_bar_handle_t handle, uint64_t offset, uint32_t value);
int fpga_pci_poke64(pci_bar_handle_t handle, uint64_t offset, uint64_t value);
int fpga_pci_peek(pci_bar_handle_t handle, uint64_t offset, uint32_t *value);
int fpga_pci_peek64(pci_bar_handle_t handle, uint64_t offset, uint64_t *value);
int fpga_pci_get_address(pci_bar_handle_t handle, uint64_t offset, uint64_t dword_len,
                         void **ptr);

/* ---- fpga_mgmt.h ---- */

/* Opaque bytes reserved after the documented fields of fpga_mgmt_image_info (see above). */
#define FPEVM_IMAGE_INFO_TAIL 4096

/* Slot description filled by fpga_mgmt_describe_local_image: documented prefix only. */
struct fpga_mgmt_image_info {
    int status;
    int status_q;
    int slot_id;
    struct fpga_meta_ids ids;
    uint8_t fpevm_opaque_tail[FPEVM_IMAGE_INFO_TAIL];
};

int fpga_mgmt_init(void);
int fpga_mgmt_close(void);
const char *fpga_mgmt_strerror(int err);
int fpga_mgmt_get_status(int slot_id, int *status, int *status_q);
int fpga_mgmt_describe_local_image(int slot_id, struct fpga_mgmt_image_info *info,
                                   uint32_t flags);
int fpga_mgmt_load_local_image(int slot_id, char *afi_id);

#endif /* FPEVM_AWS_SDK_H */
