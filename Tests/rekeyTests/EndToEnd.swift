import Testing

/// The end-to-end suites, which run the real binary, run one at a time: each blocks a
/// thread of the test process while a `rekey` process runs, and the in-process tests of the
/// other targets (a loopback sandbox answering on the same few threads) need the rest.
@Suite(.serialized) enum EndToEnd {}
