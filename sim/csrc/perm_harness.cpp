// C ABI around one Verilated lone-permutation model (test top level of fpevm-hdl's
// `PermutationTop`). Compiled once per rounds-per-clock with VTOP and PFX defined.
#include <cstdint>
#include <cstring>
#include "verilated.h"

#define STR2(x) #x
#define STR(x) STR2(x)
#define HDR(x) STR(x.h)
#include HDR(VTOP)

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(name) CAT(PFX, name)

struct PermModel {
    VerilatedContext ctx;
    VTOP* top;
};

extern "C" {

void* FN(new)() {
    PermModel* m = new PermModel();
    m->top = new VTOP(&m->ctx, "top");
    m->top->clock = 0;
    m->top->eval();
    return m;
}

void FN(free)(void* p) {
    PermModel* m = static_cast<PermModel*>(p);
    m->top->final();
    delete m->top;
    delete m;
}

// One clock cycle with these inputs; then reads the state (50 words) and busy.
void FN(cycle)(void* p, uint8_t start, uint8_t keep, uint8_t clear, const uint32_t* absorb,
               uint32_t* state, uint8_t* busy) {
    VTOP* t = static_cast<PermModel*>(p)->top;
    t->clock = 0;
    t->start = start;
    t->keep = keep;
    t->clear = clear;
    std::memcpy(t->absorb.data(), absorb, 50 * sizeof(uint32_t));
    t->eval();
    t->clock = 1;
    t->eval();
    t->clock = 0;
    t->start = 0;
    t->clear = 0;
    t->eval();
    std::memcpy(state, t->state.data(), 50 * sizeof(uint32_t));
    *busy = t->busy;
}

}
