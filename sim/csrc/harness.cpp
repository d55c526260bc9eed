// C ABI around one Verilated configuration of the fpevm core. Compiled once per
// configuration with VTOP (the Verilated class) and PFX (the symbol prefix) defined.
#include <cstdint>
#include <cstring>
#include "verilated.h"
#ifdef FPEVM_VCD
#include "verilated_vcd_c.h"
#endif

#define STR2(x) #x
#define STR(x) STR2(x)
#define HDR(x) STR(x.h)
#include HDR(VTOP)

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(name) CAT(PFX, name)

// Must match `ffi::Inputs` / `ffi::Outputs` in sim/src/ffi.rs.
struct Inputs {
    uint32_t reg_wdata;
    uint8_t reg_wr;
    uint8_t reg_addr;
    uint8_t rd_req_ready;
    uint8_t rd_resp_valid;
    uint8_t wr_ready;
    uint8_t rd_resp_error;
    uint8_t wr_error;
    uint8_t pad;
    uint32_t rd_resp_data[16];
};

struct Outputs {
    uint64_t rd_req_addr;
    uint64_t wr_addr;
    uint64_t wr_strb;
    uint32_t reg_rdata;
    uint32_t rd_req_beats;
    uint8_t rd_req_valid;
    uint8_t rd_resp_ready;
    uint8_t wr_valid;
    uint8_t pad[5];
    uint32_t wr_data[16];
};

struct Model {
    VerilatedContext ctx;
    VTOP* top;
#ifdef FPEVM_VCD
    VerilatedVcdC* vcd = nullptr;
#endif
    uint64_t time = 0;
};

static void dump(Model* m) {
#ifdef FPEVM_VCD
    if (m->vcd) m->vcd->dump(m->time);
#endif
    m->time++;
}

extern "C" {

void* FN(new)() {
    Model* m = new Model();
#ifdef FPEVM_VCD
    m->ctx.traceEverOn(true);
#endif
    m->top = new VTOP(&m->ctx, "top");
    m->top->clock = 0;
    m->top->eval();
    return m;
}

void FN(free)(void* p) {
    Model* m = static_cast<Model*>(p);
#ifdef FPEVM_VCD
    if (m->vcd) { m->vcd->close(); delete m->vcd; }
#endif
    m->top->final();
    delete m->top;
    delete m;
}

// Applies the inputs with the clock low and reads the settled outputs.
void FN(settle)(void* p, const Inputs* in, Outputs* out) {
    Model* m = static_cast<Model*>(p);
    VTOP* t = m->top;
    t->clock = 0;
    t->reg_wr = in->reg_wr;
    t->reg_addr = in->reg_addr;
    t->reg_wdata = in->reg_wdata;
    t->rd_req_ready = in->rd_req_ready;
    t->rd_resp_valid = in->rd_resp_valid;
    std::memcpy(t->rd_resp_data.data(), in->rd_resp_data, sizeof in->rd_resp_data);
    t->wr_ready = in->wr_ready;
    t->rd_resp_error = in->rd_resp_error;
    t->wr_error = in->wr_error;
    t->eval();
    dump(m);
    out->reg_rdata = t->reg_rdata;
    out->rd_req_valid = t->rd_req_valid;
    out->rd_req_addr = t->rd_req_addr;
    out->rd_req_beats = t->rd_req_beats;
    out->rd_resp_ready = t->rd_resp_ready;
    out->wr_valid = t->wr_valid;
    out->wr_addr = t->wr_addr;
    out->wr_strb = t->wr_strb;
    std::memcpy(out->wr_data, t->wr_data.data(), sizeof out->wr_data);
}

// The rising clock edge: registers take their next values.
void FN(tick)(void* p) {
    Model* m = static_cast<Model*>(p);
    m->top->clock = 1;
    m->top->eval();
    dump(m);
}

// Starts writing a VCD trace to `path`; returns 0 when tracing is not built in.
int FN(trace)(void* p, const char* path) {
#ifdef FPEVM_VCD
    Model* m = static_cast<Model*>(p);
    if (m->vcd) return 1;
    m->vcd = new VerilatedVcdC();
    m->top->trace(m->vcd, 99);
    m->vcd->open(path);
    return 1;
#else
    (void)p;
    (void)path;
    return 0;
#endif
}

}
