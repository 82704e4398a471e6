import Foundation
import RekeyTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension EndToEnd {

    /// The real binary, run as root, against files another (throwaway) user prepared: a symlink
    /// planted in a shared sticky directory, a sink file pre-created 0644, a state directory of
    /// theirs. rekey must refuse before any vendor call and name the path; so must a sink
    /// inside the state directory and two sinks that are one file through a bind mount.
    @Suite(.serialized) struct OwnershipAttackTests {
        /// One QuestionPro job whose only sink is `sink` (relative to the jobs directory), with a
        /// directory `shared/` (root, 1777) beside it, as `/tmp` is.
        final class Setup {
            let dir: TemporaryDirectory
            let sandbox: SandboxProcess
            let org: String
            let initialKey: String

            init(sinks: String) throws {
                dir = try TemporaryDirectory(prefix: "rekey-ownership")
                sandbox = try SandboxProcess(arguments: ["--accounts", "1", "--latency", "1ms"])
                org = sandbox.initialKeys.keys.first!
                initialKey = sandbox.initialKeys[org]!
                try FileManager.default.createDirectory(atPath: dir.file("shared"), withIntermediateDirectories: true)
                chmod(dir.file("shared"), 0o1777)
                try FileManager.default.createDirectory(atPath: dir.file("sinks"), withIntermediateDirectories: true)
                try dir.write(
                    "jobs/one.yaml",
                    """
                    name: one
                    tenant: acme
                    env: prod
                    provider: {kind: questionpro.api-key, base_url: \(sandbox.url.absoluteString), organization_id: "\(org)"}
                    credentials: {api_key: {sink: app}}
                    policy: {every: 30d, retry: {timeout: 5s}}
                    sinks: [\(sinks)]
                    """)
            }

            var args: [String] { ["--jobs", dir.file("jobs"), "--state-dir", dir.file("state")] }

            /// Runs `rekey run --force`; expects a refusal before any vendor request.
            func expectRefusedBeforeAnyVendorCall(naming fragments: [String]) throws {
                let result = try RekeyProcess.run(["run", "--force"] + args)
                let output = result.stdout + result.stderr
                #expect(result.status != 0, "\(output)")
                for fragment in fragments { #expect(output.contains(fragment), "missing \(fragment) in: \(output)") }
                #expect(try sandbox.requests().isEmpty, "the vendor was called")
                #expect(try sandbox.currentKeys()[org] == initialKey, "the vendor rotated the key")
                #expect(!output.contains(initialKey), "the output holds the secret")
            }

            func stop() {
                sandbox.stop()
                dir.remove()
            }
        }

        static var canRun: Bool {
            SystemTestGate.available(ThrowawayUser.canCreate, "needs root, setpriv, useradd and userdel")
        }

        @Test func aSymlinkAnotherUserPlantedAtASinkPathIsNotFollowed() throws {
            guard Self.canRun else { return }
            let setup = try Setup(sinks: "{id: app, kind: file, path: ../shared/app.key}")
            let user = try ThrowawayUser()
            defer {
                user.remove()
                setup.stop()
            }
            let victim = try setup.dir.write("victim.key", setup.initialKey)
            chmod(victim, 0o644)
            try user.run(["/bin/ln", "-s", victim, setup.dir.file("shared/app.key")])
            try setup.expectRefusedBeforeAnyVendorCall(naming: [
                "the symlink \(setup.dir.file("shared/app.key")) planted by uid \(user.uid)"
            ])
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == setup.initialKey)
        }

        @Test func aSinkFileAnotherUserPreCreatedIsRefusedNotAdopted() throws {
            guard Self.canRun else { return }
            let setup = try Setup(sinks: "{id: app, kind: file, path: ../shared/app.key}")
            let user = try ThrowawayUser()
            defer {
                user.remove()
                setup.stop()
            }
            let sink = setup.dir.file("shared/app.key")
            try user.run(["/bin/sh", "-c", "umask 022; printf %s \"$0\" > \"$1\"", setup.initialKey, sink])
            try setup.expectRefusedBeforeAnyVendorCall(naming: [sink, "uid \(user.uid)", "owner:"])
        }

        @Test func aStateDirectoryOwnedByAnotherUserIsRefused() throws {
            guard Self.canRun else { return }
            let setup = try Setup(sinks: "{id: app, kind: file, path: ../sinks/app.key}")
            let user = try ThrowawayUser()
            defer {
                user.remove()
                setup.stop()
            }
            try setup.dir.write("sinks/app.key", setup.initialKey)
            let state = setup.dir.file("state")
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            chown(state, user.uid, user.gid)
            chmod(state, 0o700)
            try setup.expectRefusedBeforeAnyVendorCall(naming: [state, "uid \(user.uid)"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: state).isEmpty, "rekey wrote into it")
        }

        /// The rule must not break what is safe: rekey as an ordinary user, delivering into its
        /// own directory under a sticky shared one (as under /tmp) and into a group-writable
        /// directory of one of its supplementary groups (a Kubernetes fsGroup volume).
        @Test func aNonRootRekeyStillDeliversUnderStickyTmpAndIntoItsFsGroupDirectory() throws {
            guard Self.canRun else { return }
            let setup = try Setup(
                sinks:
                    "{id: app, kind: file, path: ../shared/mine/app.key}, {id: copy, kind: file, path: ../fsgroup/app.key}"
            )
            let user = try ThrowawayUser()
            defer {
                user.remove()
                setup.stop()
            }
            let fsGroup: UInt32 = 100
            let dir = setup.dir
            for (path, uid, gid, mode) in [
                ("shared/mine", user.uid, user.gid, 0o700), ("fsgroup", 0, fsGroup, 0o2775),
                ("state", user.uid, user.gid, 0o700),
            ] {
                try FileManager.default.createDirectory(atPath: dir.file(path), withIntermediateDirectories: true)
                chown(dir.file(path), uid, gid)
                chmod(dir.file(path), mode_t(mode))
            }
            try dir.write("shared/mine/app.key", setup.initialKey)
            chown(dir.file("shared/mine/app.key"), user.uid, user.gid)
            chmod(dir.file("shared/mine/app.key"), 0o600)
            chmod(dir.file("jobs"), 0o755)
            let result = try user.status([RekeyProcess.binary.path, "run", "--force"] + setup.args, groups: [fsGroup])
            #expect(result.status == 0, "\(result.output)")
            let rotated = try #require(try setup.sandbox.currentKeys()[setup.org])
            #expect(rotated != setup.initialKey)
            for sink in ["shared/mine/app.key", "fsgroup/app.key"] {
                #expect(try String(contentsOfFile: dir.file(sink), encoding: .utf8) == rotated, "\(sink)")
            }
        }

        @Test func aSinkInsideTheStateDirectoryIsRefused() throws {
            let setup = try Setup(
                sinks:
                    "{id: app, kind: file, path: ../sinks/app.key}, {id: audit, kind: file, path: ../state/audit.key}")
            defer { setup.stop() }
            try setup.dir.write("sinks/app.key", setup.initialKey)
            try setup.expectRefusedBeforeAnyVendorCall(naming: [
                setup.dir.file("state/audit.key"), "inside rekey's state directory",
            ])
            let verify = try RekeyProcess.run(["audit", "verify"] + setup.args)
            #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        }

        @Test func twoSinksThatAreOneFileThroughABindMountAreRefused() throws {
            guard SystemTestGate.available(geteuid() == 0, "needs root to bind-mount a directory") else { return }
            let setup = try Setup(
                sinks: """
                    {id: app, kind: file, path: ../sinks/app.key}, \
                    {id: one, kind: env-file, path: ../real/app.env, key: API_KEY}, \
                    {id: two, kind: env-file, path: ../alias/app.env, key: API_KEY}
                    """)
            defer { setup.stop() }
            try setup.dir.write("sinks/app.key", setup.initialKey)
            try setup.dir.write("real/app.env", "API_KEY='old'\n")
            try FileManager.default.createDirectory(atPath: setup.dir.file("alias"), withIntermediateDirectories: true)
            let mount = Process()
            mount.executableURL = URL(fileURLWithPath: "/usr/bin/mount")
            mount.arguments = ["--bind", setup.dir.file("real"), setup.dir.file("alias")]
            try mount.run()
            mount.waitUntilExit()
            guard SystemTestGate.available(mount.terminationStatus == 0, "mount --bind failed") else { return }
            defer {
                let umount = Process()
                umount.executableURL = URL(fileURLWithPath: "/usr/bin/umount")
                umount.arguments = [setup.dir.file("alias")]
                try? umount.run()
                umount.waitUntilExit()
            }
            try setup.expectRefusedBeforeAnyVendorCall(naming: [setup.dir.file("alias/app.env"), "same file"])
        }
    }
}
