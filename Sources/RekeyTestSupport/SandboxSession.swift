// An in-process sandbox and a client to it for the length of a test body: both are shut
// down however the body ends (a client left running stops a debug build in its deinit).

import Foundation
import RekeySandbox
import RekeyVendor

public enum SandboxSession {
    /// Runs `body` against a fresh sandbox started with `options` and a client to it.
    public static func with<T>(
        options: SandboxOptions = SandboxOptions(), connectTimeout: Duration = .seconds(5),
        _ body: (VendorSandbox, URL, VendorHTTPClient) async throws -> T
    ) async throws -> T {
        let sandbox = VendorSandbox(options: options)
        let url = try await sandbox.start()
        let client = VendorHTTPClient(environment: [:], connectTimeout: connectTimeout)
        do {
            let result = try await body(sandbox, url, client)
            await client.shutdown()
            await sandbox.stop()
            return result
        } catch {
            await client.shutdown()
            await sandbox.stop()
            throw error
        }
    }
}
