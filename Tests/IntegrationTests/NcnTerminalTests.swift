import ComputeAPI
import Foundation
import NIOConcurrencyHelpers
import NostrBridge
import XCTest

/// The built `ncn` as a person meets it: every command's help shows the examples it promises; a
/// run in a real terminal (tmux) shows the progress lines; a lease left by a stopped `ncn run`
/// is listed by `ncn ls`, finished and paid by `ncn watch`, and rated by `ncn rate`, and the
/// rating counts in `ncn offers`.
final class NcnTerminalTests: XCTestCase {
    private var market: MarketBed?
    private var processes: [NcnProcess] = []
    private var cleanups: [() -> Void] = []

    override func tearDown() {
        for process in processes { process.kill() }
        for cleanup in cleanups { cleanup() }
        market?.tearDown()
        super.tearDown()
    }

    /// Runs `ncn ARGS` to its end; returns its exit status and stdout.
    private func runNcn(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        guard FileManager.default.isExecutableFile(atPath: NcnProcess.binary) else {
            XCTFail("build ncn first: swift build --product ncn")
            throw XCTSkip("no ncn binary")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NcnProcess.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The names under SUBCOMMANDS in a help text.
    private func subcommands(in help: String) -> [String] {
        guard let section = help.components(separatedBy: "SUBCOMMANDS:").dropFirst().first else { return [] }
        var names: [String] = []
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { if names.isEmpty { continue } else { break } }
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else { continue }
            if name == "See" { break }
            names.append(String(name))
        }
        return names
    }

    func testEveryCommandsHelpShowsItsExamples() throws {
        let (status, top) = try runNcn(["--help"])
        XCTAssertEqual(status, 0)
        let commands = subcommands(in: top)
        XCTAssertTrue(Set(["key", "offers", "run", "watch", "ls", "status", "cancel", "rate"]).isSubset(of: Set(commands)), "\(commands)\n\(top)")
        var checked: [[String]] = [[]]
        for command in commands {
            checked.append([command])
            let (_, help) = try runNcn([command, "--help"])
            for nested in subcommands(in: help) where nested != "help" { checked.append([command, nested]) }
        }
        for path in checked {
            let (status, help) = try runNcn(path + ["--help"])
            XCTAssertEqual(status, 0, "ncn \(path.joined(separator: " ")) --help")
            let examples = help.components(separatedBy: "Examples:").dropFirst().first ?? ""
            XCTAssertFalse(examples.isEmpty, "ncn \(path.joined(separator: " ")) --help has no Examples: block\n\(help)")
            // Each command shows itself at work; the top level, some command.
            let prefix = (["ncn"] + path).joined(separator: " ")
            let lines = examples.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            XCTAssertTrue(lines.contains { $0.hasPrefix(prefix + " ") || $0 == prefix || $0.contains(" \(prefix) ") },
                          "ncn \(path.joined(separator: " ")) --help: no example line with \(prefix)\n\(help)")
        }
        print("help: \(checked.count) help texts checked: \(checked.map { "ncn " + $0.joined(separator: " ") })")
    }

    /// tmux, or nil after skipping (failing under CI=true, where it must be installed).
    private func tmux() throws -> String {
        for path in ["/usr/bin/tmux", "/usr/local/bin/tmux"] where FileManager.default.isExecutableFile(atPath: path) { return path }
        throw TestBed.missing("tmux is not installed (apt-get install tmux; scripts/install-deps installs it)")
    }

    /// Runs a tool to its end and returns its output. Waits with a termination handler, not
    /// `waitUntilExit()`, which can miss the exit when called from a test's async context.
    @discardableResult
    private func shell(_ executable: String, _ arguments: [String], capture: Bool = true) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let collected = NIOLockedValueBox(Data())
        if capture {
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            output.fileHandleForReading.readabilityHandler = { handle in
                let chunk = handle.availableData
                if chunk.isEmpty { handle.readabilityHandler = nil }
                collected.withLockedValue { $0.append(chunk) }
            }
        } else {
            // tmux's server inherits these: a pipe would never reach its end.
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        let exited = NIOLockedValueBox(false)
        process.terminationHandler = { _ in exited.withLockedValue { $0 = true } }
        try process.run()
        _ = try await eventually("\(executable) \(arguments.first ?? "") to exit", timeout: .seconds(20), every: .milliseconds(20)) {
            exited.withLockedValue { $0 } ? true : nil
        }
        try await Task.sleep(for: .milliseconds(30))  // the last of the output
        return String(decoding: collected.withLockedValue { $0 }, as: UTF8.self)
    }

    /// `tmux new-session -d`, spawned without Foundation: the server it forks would inherit the
    /// descriptor Foundation's Process watches for the child's exit, and the exit would never be
    /// seen. Its standard streams are /dev/null.
    private func startSession(_ tmux: String, _ arguments: [String], check: Bool = true) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY, 0)
        }
        // A clean signal mask: the test's thread blocks most signals, and a tmux server that
        // inherited that could never handle SIGCHLD, nor end on kill-server.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([tmux] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tmux, &actions, &attributes, argv, environ)
        if check { XCTAssertEqual(spawned, 0, "posix_spawn tmux") }
        guard spawned == 0 else { throw TestBed.missing("tmux did not start") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        if check { XCTAssertEqual(status, 0, "tmux \(arguments.dropFirst(2).first ?? "")") }
    }

    private func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    func testARunInATerminalShowsTheProgressAPersonWouldSee() async throws {
        let tmux = try tmux()
        let market = try MarketBed()
        self.market = market
        let bed = market.bed
        let tenant = SecretKey.generate()
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-tmux-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        let socket = "ncn-it-\(UUID().uuidString.prefix(8))"
        cleanups.append { [self] in
            // Ends the session's shell and anything left in it.
            _ = try? startSession(tmux, ["-L", socket, "kill-server"], check: false)
            try? FileManager.default.removeItem(at: config)
        }
        // What a person types, in a script so that the NWC URI's '&' needs no escaping on tmux's command line.
        let environment = [
            "XDG_CONFIG_HOME": config.path, "NCN_KEY": NIP19.encodeNsec(tenant), "NCN_NWC": try bed.require("NCN_NWC_TENANT_URI"),
            "NCN_RELAYS": "\(try bed.require("NCN_RELAY_SDK_URL")),\(try bed.require("NCN_RELAY_PY_URL"))",
        ]
        let command = [NcnProcess.binary, "run", "docker.io/library/busybox:1.36", "--cpu", "500m", "--memory", "64Mi", "--gpus", "1", "--gpu-model",
                       market.gpuModel, "--duration", "30", "--provider", NIP19.encodeNpub(market.providerKey.publicKey), "--max-price", "1000000"]
        let script = config.appendingPathComponent("rent.sh")
        try ("#!/bin/sh\n" + environment.sorted { $0.key < $1.key }.map { "export \($0.key)=\(quoted($0.value))\n" }.joined()
             + command.map(quoted).joined(separator: " ") + "\necho \"exit status $?\"\nsleep 120\n").write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: script.path)

        try await market.withProvider { admin, start in
            let running = try start()
            defer { running.kill() }
            try await Task.sleep(for: .seconds(2))
            try startSession(tmux, ["-L", socket, "new-session", "-d", "-s", "ncn", "-x", "220", "-y", "60", script.path])
            func screen() async throws -> String { try await shell(tmux, ["-L", socket, "capture-pane", "-p", "-J", "-t", "ncn", "-S", "-200"]) }
            let paid = try await eventually("the first tranche paid, on the screen", timeout: .seconds(40), every: .milliseconds(200)) { () -> String? in
                let text = try await screen()
                return text.contains("paid tranche 0") ? text : nil
            }
            let request = try XCTUnwrap(paid.split(separator: "\n").first { $0.hasPrefix("request ") }?.split(separator: " ").dropFirst().first)
            try await market.playKubelet(admin, lease: ComputeLease.name(forRequestEventId: String(request)))
            let text = try await eventually("the exit status, on the screen", timeout: .seconds(90), every: .milliseconds(300)) { () -> String? in
                let text = try await screen()
                return text.contains("exit status") ? text : nil
            }
            print("tmux screen:\n\(text)")
            let lines = text.split(separator: "\n").map(String.init)
            // In the order a person sees them; the provider's steps (provisioning, running) interleave
            // with the payments, so they are only required somewhere after the first payment.
            let expected = ["provider npub1", "request \(request) published to 2 relays", "bid from ", "paying tranche 0: ", "paid tranche 0 ",
                            "paying tranche 1: ", "paid tranche 1 ", "paying tranche 2: ", "paid tranche 2 ", "lease completed duration-ended",
                            "uptime ", "rate the provider (N = 1 to 5 stars): ncn rate \(request) --stars N", "exit status 0"]
            let afterPayment = lines.drop { !$0.hasPrefix("paid tranche 0 ") }
            for prefix in ["provisioning (pulling and starting the image)", "running, paid until "] {
                XCTAssertTrue(afterPayment.contains { $0.hasPrefix(prefix) }, "no line starting \"\(prefix)\" after the first payment:\n\(text)")
            }
            var at = 0
            for prefix in expected {
                guard let found = lines[at...].firstIndex(where: { $0.hasPrefix(prefix) }) else {
                    XCTFail("no line starting \"\(prefix)\" after line \(at) on the screen:\n\(text)")
                    break
                }
                at = found
            }
            XCTAssertFalse(text.contains("{\""), "human lines, not JSON")
        }
    }

    func testALeaseLeftByAStoppedRunIsListedWatchedToItsEndAndRated() async throws {
        let market = try MarketBed()
        self.market = market
        let bed = market.bed
        let tenant = SecretKey.generate()
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-watch-\(UUID().uuidString)")
        cleanups.append { try? FileManager.default.removeItem(at: config) }
        let environment = [
            "XDG_CONFIG_HOME": config.path, "NCN_KEY": NIP19.encodeNsec(tenant), "NCN_NWC": try bed.require("NCN_NWC_TENANT_URI"),
            "NCN_RELAYS": "\(try bed.require("NCN_RELAY_SDK_URL")),\(try bed.require("NCN_RELAY_PY_URL"))",
        ]
        func ncn(_ arguments: [String]) throws -> NcnProcess {
            let process = try NcnProcess(arguments: arguments, environment: environment)
            processes.append(process)
            return process
        }
        try await market.withProvider { admin, start in
            let running = try start()
            defer { running.kill() }
            try await Task.sleep(for: .seconds(2))
            let run = try ncn(["run", "docker.io/library/busybox:1.36", "--cpu", "500m", "--memory", "64Mi", "--gpus", "1", "--gpu-model", market.gpuModel,
                               "--duration", "30", "--provider", market.provider, "--max-price", "1000000", "--json"])
            let published = try await run.next("published")
            let request = try XCTUnwrap(published["request"] as? String)
            let bid = try await run.next("bid", timeout: .seconds(20))
            let price = try XCTUnwrap((bid["price_msats"] as? NSNumber)?.int64Value)
            _ = try await run.next("paid", timeout: .seconds(30))
            _ = try await run.next("credited", timeout: .seconds(10))
            run.kill()  // the laptop's lid closed: nothing cancelled, nothing more paid
            try await market.playKubelet(admin, lease: ComputeLease.name(forRequestEventId: request))

            let ls = try ncn(["ls", "--json"])
            let lsStatus = try await ls.exitStatus()
            XCTAssertEqual(lsStatus, 0, ls.stderr)
            let listed = try XCTUnwrap(ls.objects.first { $0["request"] as? String == request }, ls.lines.joined(separator: "\n"))
            XCTAssertEqual(listed["provider"] as? String, market.provider)
            XCTAssertEqual(listed["image"] as? String, "docker.io/library/busybox:1.36")
            XCTAssertTrue(["provisioning", "running", "renewal-due"].contains(listed["status"] as? String ?? ""), "\(listed)")

            let watch = try ncn(["watch", request, "--rate", "4", "--json"])
            let watching = try await watch.next("watching", timeout: .seconds(15))
            XCTAssertEqual(watching["tranches_paid"] as? Int, 1, "the credited tranche is not paid again")
            XCTAssertEqual((watching["max_price_msats"] as? NSNumber)?.int64Value, 1_000_000, "what ncn run agreed, from the lease record")
            let ended = try await watch.next("ended", timeout: .seconds(90))
            XCTAssertEqual(ended["status"] as? String, "completed", "\(watch.lines.joined(separator: "\n"))\n\(watch.stderr)")
            XCTAssertEqual(ended["reason"] as? String, "duration-ended")
            XCTAssertEqual((ended["paid_msats"] as? NSNumber)?.int64Value, 3 * price, "tranche 0 counted as paid, 1 and 2 paid by watch")
            XCTAssertEqual(watch.lines(of: "paid").compactMap { $0["tranche"] as? Int }, [1, 2])
            let rated = try await watch.next("rated", timeout: .seconds(15))
            XCTAssertEqual(rated["stars"] as? Int, 4)
            let watchStatus = try await watch.exitStatus()
            XCTAssertEqual(watchStatus, 0, watch.stderr)
            let ledger = try await admin.get(ComputeLease.self, name: ComputeLease.name(forRequestEventId: request)).status?.ledger
            XCTAssertEqual(ledger?.tranchesPaid, 3)

            try await Task.sleep(for: .milliseconds(1100))
            // A second rating by hand, a second later, with a review and a report: the newest one counts.
            let rate = try ncn(["rate", request, "--stars", "5", "--uptime", "0.95", "--review", "fine", "--report", "slow-start", "took a while", "--json"])
            let rateStatus = try await rate.exitStatus()
            XCTAssertEqual(rateStatus, 0, rate.stderr)
            let rating = try XCTUnwrap(rate.objects.last)
            XCTAssertEqual(rating["provider"] as? String, market.provider)
            XCTAssertEqual(rating["uptime"] as? String, "0.95")
            XCTAssertEqual(rating["offer"] as? String, "31900:\(market.provider):\(ComputeProvider.defaultName)")

            // ncn offers reads it back: one rater, the tenant itself, about a lease the provider answered.
            let offers = try ncn(["offers", "--gpus", "1", "--gpu-model", market.gpuModel, "--json"])
            let offersStatus = try await offers.exitStatus()
            XCTAssertEqual(offersStatus, 0, offers.stderr)
            let listing = try XCTUnwrap((offers.objects.last?["offers"] as? [[String: Any]])?.first { $0["provider"] as? String == market.provider },
                                        offers.lines.joined(separator: "\n"))
            XCTAssertEqual(listing["raters_by_closeness"] as? [String: Int], ["you": 1])
            XCTAssertEqual(listing["answered"] as? Int, 1)
            XCTAssertEqual((listing["score"] as? NSNumber)?.doubleValue ?? 0, 4, accuracy: 0.01, "(3 prior + 5) / 2")
        }
    }
}
