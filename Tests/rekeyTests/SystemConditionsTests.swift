import Foundation
import RekeyDelivery
import RekeyTestSupport
import Testing

extension EndToEnd {
    /// The real binary under real operating-system conditions: a state directory on a full
    /// filesystem (a tmpfs out of inodes) and a terminal that hangs up mid-run.
    @Suite(.serialized) struct SystemConditionsTests {
        typealias Setup = StopAndConsoleTests.Setup

        /// With no inode left for the spool, preflight stops the job before the vendor is
        /// called: the key the sinks hold stays the vendor's one valid key.
        @Test func aStateDirectoryOnAFullFilesystemStopsTheJobBeforeTheVendorCall() throws {
            guard SystemTestGate.available(geteuid() == 0, "needs root to mount a tmpfs") else { return }
            let setup = try Setup()
            defer { setup.stop() }
            let mountPoint = setup.dir.file("state")
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
            let mount = try RekeyProcessRunner.run(
                "/bin/mount", ["-t", "tmpfs", "-o", "size=4m,nr_inodes=64", "tmpfs", mountPoint])
            guard SystemTestGate.available(mount.status == 0, "mount -t tmpfs failed: \(mount.output)") else { return }
            defer { _ = try? RekeyProcessRunner.run("/bin/umount", [mountPoint]) }

            let first = try RekeyProcess.run(["run", "--force"] + setup.args)
            #expect(first.status == 0, "\(first.stderr)")
            let keyBefore = try #require(setup.sandbox.currentKeys()[setup.org])
            // Use up every free inode but the two SQLite needs for its -wal and -shm files.
            var index = 0
            while FileManager.default.createFile(atPath: mountPoint + "/filler-\(index)", contents: nil) { index += 1 }
            #expect(index > 2)
            for spare in 0..<2 { try FileManager.default.removeItem(atPath: mountPoint + "/filler-\(spare)") }

            let full = try RekeyProcess.run(["run", "--force"] + setup.args)
            #expect(full.status == 1, "\(full.stdout) \(full.stderr)")
            #expect(full.stderr.contains("spool"))
            #expect(try setup.sandbox.currentKeys()[setup.org] == keyBefore, "the vendor rotated with no spool")
            #expect(setup.delivered)
        }

        /// A manual run whose terminal hangs up (the pty's master closes): SIGHUP and EIO on
        /// every later write. The run finishes what is in flight and no key is lost.
        @Test func aRunWhoseTerminalHangsUpFinishesInFlightWorkAndLosesNoKey() throws {
            let setup = try Setup(latency: "300ms")
            defer { setup.stop() }
            let script = """
                import os, pty, sys, time
                pid, master = pty.fork()
                if pid == 0:
                    os.execv(sys.argv[1], sys.argv[1:])
                time.sleep(0.9)
                os.close(master)
                _, status = os.waitpid(pid, 0)
                print(os.waitstatus_to_exitcode(status))
                """
            let hungUp = try RekeyProcessRunner.run(
                "/usr/bin/env", ["python3", "-c", script, RekeyProcess.binary.path, "run", "--force"] + setup.args)
            let code = Int(hungUp.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -999
            #expect([0, 129].contains(code), "rekey ended with \(code) after the hang-up")
            let after = try RekeyProcess.run(["run"] + setup.args)
            #expect(after.status == 0, "\(after.stderr)")
            #expect(setup.delivered)
        }
    }

    /// Runs a program to completion and collects its output (stdout and stderr together).
    enum RekeyProcessRunner {
        static func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }
}
