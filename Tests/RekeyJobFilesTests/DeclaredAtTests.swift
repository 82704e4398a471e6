import Foundation
import RekeyJobFiles
import RekeyTestSupport
import Testing

/// A job remembers when it was declared (its file's modification time): a job that is
/// never rotated becomes overdue `grace` after that.
@Suite struct DeclaredAtTests {
    @Test func everyJobOfAFileCarriesTheFilesModificationTime() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write(
            "qp.yaml",
            """
            name: acme-prod
            tenant: acme
            env: prod
            provider: {kind: questionpro.api-key, datacenter: com, organization_id: "1"}
            credentials: {api_key: {sink: app}}
            policy: {every: 30d}
            sinks: [{id: app, kind: file, path: /srv/key}]

            """)
        let declared = Date(timeIntervalSince1970: 1_790_000_000)
        try FileManager.default.setAttributes([.modificationDate: declared], ofItemAtPath: path)
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.yaml"), withDestinationPath: path)
        let result = JobLoader.load(paths: [path])
        #expect(result.jobs.count == 1 && result.jobs[0].declaredAt == declared)
        #expect(JobLoader.load(paths: [dir.file("link.yaml")]).jobs.first?.declaredAt == declared)
    }
}
