package kerneleventsreceiver

import "time"

// waitLimit bounds every wait for something this package's tests expect to
// happen: a kernel event reaching the sink, a batch flushing, a runtime or
// hasher answering. It is generous because CI compiles and tests other
// packages on the same two cores meanwhile (and loads BPF programs, which
// take seconds then); a wait still ends as soon as its condition holds.
const waitLimit = 30 * time.Second
