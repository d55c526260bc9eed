# Place-and-route constraints of cl_fpevm: none (one clock domain, no I/O of its own).
