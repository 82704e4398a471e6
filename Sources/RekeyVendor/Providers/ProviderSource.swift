// The vendor seam the runner holds: the provider for a job. `HTTPProviderSource` builds
// the real ones over one shared transport; tests hand out fake vendors instead.

import RekeyModel

public protocol ProviderSource: Sendable {
    func provider(for job: Job) -> any Provider
}

public struct HTTPProviderSource: ProviderSource {
    let transport: any HTTPTransport
    let clock: any RekeyClock

    public init(transport: any HTTPTransport, clock: any RekeyClock) {
        self.transport = transport
        self.clock = clock
    }

    public func provider(for job: Job) -> any Provider {
        ProviderFactory.make(for: job, transport: transport, clock: clock)
    }
}
