/*
 * A stand-in for libfpga_mgmt that the tests load in place of the AWS FPGA SDK: eight slots
 * (ids 0-7), each with a 64 KiB application-PF BAR0 that is plain memory, and a management
 * side that remembers which AFI id each slot was given. Written for this project against
 * include/fpevm_aws_sdk.h; it models the documented calling conventions (0 on success,
 * -errno or FPGA_ERR_* on failure), not the real library's internals.
 *
 * fpga_mgmt_describe_local_image writes only the documented leading fields of the image
 * info (status, status_q, slot_id, ids), so it is safe with either header's definition.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "fpevm_aws_sdk.h"

#define FAKE_SLOTS 8
#define FAKE_BAR_BYTES 0x10000
#define FAKE_HANDLES 32

static int pci_ready;
static int mgmt_ready;
static uint32_t bars[FAKE_SLOTS][FAKE_BAR_BYTES / 4];
static int handle_slot[FAKE_HANDLES];
static int handle_used[FAKE_HANDLES];
static int slot_status[FAKE_SLOTS] = {
    FPGA_STATUS_CLEARED, FPGA_STATUS_CLEARED, FPGA_STATUS_CLEARED, FPGA_STATUS_CLEARED,
    FPGA_STATUS_CLEARED, FPGA_STATUS_CLEARED, FPGA_STATUS_CLEARED, FPGA_STATUS_CLEARED,
};
static char slot_afi[FAKE_SLOTS][AFI_ID_STR_MAX];

int fpga_pci_init(void) {
    pci_ready = 1;
    return 0;
}

int fpga_pci_attach(int slot_id, int pf_id, int bar_id, uint32_t flags,
                    pci_bar_handle_t *handle) {
    (void)flags;
    if (!pci_ready || handle == NULL) return -EINVAL;
    if (slot_id < 0 || slot_id >= FAKE_SLOTS) return -ENODEV;
    if (pf_id != FPGA_APP_PF || bar_id != APP_PF_BAR0) return -EINVAL;
    for (int h = 0; h < FAKE_HANDLES; h++) {
        if (!handle_used[h]) {
            handle_used[h] = 1;
            handle_slot[h] = slot_id;
            *handle = h;
            return 0;
        }
    }
    return -ENOMEM;
}

int fpga_pci_detach(pci_bar_handle_t handle) {
    if (handle < 0 || handle >= FAKE_HANDLES || !handle_used[handle]) return -EINVAL;
    handle_used[handle] = 0;
    return 0;
}

/* The BAR word at byte `offset` for an access of `bytes`, or NULL when out of bounds. */
static uint32_t *word_at(pci_bar_handle_t handle, uint64_t offset, uint64_t bytes) {
    if (handle < 0 || handle >= FAKE_HANDLES || !handle_used[handle]) return NULL;
    if (offset % bytes != 0 || offset >= FAKE_BAR_BYTES || FAKE_BAR_BYTES - offset < bytes)
        return NULL;
    return &bars[handle_slot[handle]][offset / 4];
}

int fpga_pci_poke(pci_bar_handle_t handle, uint64_t offset, uint32_t value) {
    uint32_t *w = word_at(handle, offset, 4);
    if (w == NULL) return -EINVAL;
    *w = value;
    return 0;
}

int fpga_pci_poke64(pci_bar_handle_t handle, uint64_t offset, uint64_t value) {
    uint32_t *w = word_at(handle, offset, 8);
    if (w == NULL) return -EINVAL;
    w[0] = (uint32_t)value;
    w[1] = (uint32_t)(value >> 32);
    return 0;
}

int fpga_pci_peek(pci_bar_handle_t handle, uint64_t offset, uint32_t *value) {
    uint32_t *w = word_at(handle, offset, 4);
    if (w == NULL || value == NULL) return -EINVAL;
    *value = *w;
    return 0;
}

int fpga_pci_peek64(pci_bar_handle_t handle, uint64_t offset, uint64_t *value) {
    uint32_t *w = word_at(handle, offset, 8);
    if (w == NULL || value == NULL) return -EINVAL;
    *value = (uint64_t)w[0] | ((uint64_t)w[1] << 32);
    return 0;
}

int fpga_pci_get_address(pci_bar_handle_t handle, uint64_t offset, uint64_t dword_len,
                         void **ptr) {
    if (ptr == NULL || dword_len == 0 || dword_len > FAKE_BAR_BYTES / 4) return -EINVAL;
    uint32_t *w = word_at(handle, offset, 4);
    if (w == NULL || FAKE_BAR_BYTES - offset < dword_len * 4) return -EINVAL;
    *ptr = w;
    return 0;
}

int fpga_mgmt_init(void) {
    mgmt_ready = 1;
    return fpga_pci_init();
}

int fpga_mgmt_close(void) {
    mgmt_ready = 0;
    return 0;
}

const char *fpga_mgmt_strerror(int err) {
    switch (err) {
    case FPGA_ERR_OK: return "ok";
    case FPGA_ERR_AFI_ID_INVALID: return "invalid-afi-id";
    case -ENODEV: return "no such slot (fake)";
    case -EINVAL: return "invalid argument (fake)";
    default: return "internal-error";
    }
}

int fpga_mgmt_get_status(int slot_id, int *status, int *status_q) {
    if (!mgmt_ready || status == NULL || status_q == NULL) return -EINVAL;
    if (slot_id < 0 || slot_id >= FAKE_SLOTS) return -ENODEV;
    *status = slot_status[slot_id];
    *status_q = FPGA_ERR_OK;
    return 0;
}

int fpga_mgmt_describe_local_image(int slot_id, struct fpga_mgmt_image_info *info,
                                   uint32_t flags) {
    (void)flags;
    if (!mgmt_ready || info == NULL) return -EINVAL;
    if (slot_id < 0 || slot_id >= FAKE_SLOTS) return -ENODEV;
    memset(info, 0, offsetof(struct fpga_mgmt_image_info, fpevm_opaque_tail));
    info->status = slot_status[slot_id];
    info->status_q = FPGA_ERR_OK;
    info->slot_id = slot_id;
    memcpy(info->ids.afi_id, slot_afi[slot_id], AFI_ID_STR_MAX);
    if (slot_status[slot_id] == FPGA_STATUS_LOADED) {
        info->ids.afi_device_ids.vendor_id = 0x1d0f;
        info->ids.afi_device_ids.device_id = 0xf000;
    }
    return 0;
}

int fpga_mgmt_load_local_image(int slot_id, char *afi_id) {
    if (!mgmt_ready || afi_id == NULL) return -EINVAL;
    if (slot_id < 0 || slot_id >= FAKE_SLOTS) return -ENODEV;
    size_t len = strnlen(afi_id, AFI_ID_STR_MAX);
    if (len == AFI_ID_STR_MAX || strncmp(afi_id, "agfi-", 5) != 0)
        return FPGA_ERR_AFI_ID_INVALID;
    memset(slot_afi[slot_id], 0, AFI_ID_STR_MAX);
    memcpy(slot_afi[slot_id], afi_id, len);
    slot_status[slot_id] = FPGA_STATUS_LOADED;
    return 0;
}
