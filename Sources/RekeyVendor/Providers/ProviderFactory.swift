// The provider for a job's kind.

import RekeyModel

public enum ProviderFactory {
    public static func make(for job: Job, transport: any HTTPTransport, clock: any RekeyClock) -> any Provider {
        switch job.provider {
        case .questionPro(let spec): QuestionProProvider(spec: spec, transport: transport, clock: clock)
        case .qrveyAdmin(let spec): QrveyAdminProvider(spec: spec, transport: transport, clock: clock)
        case .qrveyComposer(let spec): QrveyComposerProvider(spec: spec, transport: transport, clock: clock)
        case .http(let spec): HTTPProvider(spec: spec, job: job, transport: transport, clock: clock)
        }
    }
}
