#if canImport(Glibc)
import Glibc
#endif
import ComputeAPI
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeClient
import Operator
import Synchronization
import XCTest

/// What a provider installs before the operator runs: the CRDs and the operator's RBAC
/// (everything in manifests/ but the Deployments, which need an image), and the steward that
/// grants the operator its lease namespaces, run from this build under its own RBAC.
func installOperatorPrerequisites(_ kubectl: CRDKubectl) throws {
    try kubectl.run("apply", "-f", CRDManifestTests.path("crds"))
    try kubectl.run("wait", "--for", "condition=established", "--timeout=60s", "crd/computeleases.ncn.dev", "crd/computeproviders.ncn.dev")
    for manifest in operatorRBACManifests {
        try kubectl.run("apply", "-f", CRDManifestTests.path("manifests/\(manifest).yaml"))
    }
    try TestSteward.ensureRunning(kubectl)
}

let operatorRBACManifests = [
    "00-namespace", "10-serviceaccount", "20-clusterrole", "21-clusterrolebinding", "22-leader-election-role",
    "23-leader-election-rolebinding", "24-own-namespace-role", "25-lease-namespace-clusterrole", "50-steward-rbac",
]

/// A kubeconfig file for the test bed's apiserver holding `token`: that account's rights and no more.
func tokenKubeconfig(connection: ClusterConnection, token: String, name: String) throws -> String {
    let ca = Data(try XCTUnwrap(connection.certificateAuthorityPEM)).base64EncodedString()
    let yaml = """
        apiVersion: v1
        kind: Config
        clusters: [{name: bed, cluster: {server: "\(connection.server.absoluteString)", certificate-authority-data: \(ca)}}]
        users: [{name: \(name), user: {token: "\(token)"}}]
        contexts: [{name: \(name), context: {cluster: bed, user: \(name)}}]
        current-context: \(name)
        """
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).kubeconfig").path
    try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

extension KubernetesClient {
    /// A kubeconfig file holding the ncn-operator ServiceAccount's token: the operator's rights and no more.
    func operatorKubeconfig() async throws -> String {
        try tokenKubeconfig(connection: connection, token: try await serviceAccountToken("ncn-operator", namespace: "ncn-system"), name: "ncn-operator")
    }
}

extension KubernetesClient {
    /// A lease's workload Pod, which its Job makes and names `workload-<random>`: the newest one not
    /// being deleted, else the newest; nil when there is none.
    func leasePod(_ lease: String) async throws -> Pod? {
        let pods = try await list(Pod.self, namespace: LeaseWorkloadBuilder.namespaceName(forLease: lease),
                                  labelSelector: "\(LeaseLabels.lease)=\(lease)").items
        return pods.max { a, b in
            if (a.metadata.deletionTimestamp == nil) != (b.metadata.deletionTimestamp == nil) { return b.metadata.deletionTimestamp == nil }
            return (a.metadata.creationTimestamp ?? "") < (b.metadata.creationTimestamp ?? "")
        }
    }

    /// The kubelet's part on a fake node when a lease's pods are deleted (its Job stopped, its
    /// namespace going): they go at once. Pods not being deleted are left alone, or the Job
    /// controller would only make new ones. Call it again while waiting.
    func removeLeasePods(_ lease: String) async {
        let namespace = LeaseWorkloadBuilder.namespaceName(forLease: lease)
        let pods = (try? await list(Pod.self, namespace: namespace, labelSelector: "\(LeaseLabels.lease)=\(lease)").items) ?? []
        for pod in pods where pod.metadata.deletionTimestamp != nil {
            try? await delete(Pod.self, name: pod.metadata.name ?? "", namespace: namespace, gracePeriodSeconds: 0)
        }
    }
}

/// One `ncn-steward` for the whole test run, as the ncn-steward ServiceAccount of manifests/, the
/// way a provider's cluster runs it. It exits when the test process does (--exit-with-parent).
enum TestSteward {
    private static let running = Mutex<Process?>(nil)
    static var binary: String { TestBed.packageRoot.appendingPathComponent(".build/debug/ncn-steward").path }

    static func ensureRunning(_ kubectl: CRDKubectl) throws {
        try running.withLock { running in
            if let process = running, process.isRunning { return }
            guard FileManager.default.isExecutableFile(atPath: binary) else {
                throw NSError(domain: "TestSteward", code: 1, userInfo: [NSLocalizedDescriptionKey: "build the steward first: swift build --product ncn-steward"])
            }
            let kubeconfig = try tokenKubeconfig(connection: try ClusterConnection.kubeconfig(path: kubectl.kubeconfig),
                                                 token: try stewardToken(kubectl), name: "ncn-steward")
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-steward-\(UUID().uuidString).log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["--kubeconfig", kubeconfig, "--exit-with-parent",
                                 "--health-probe-bind-address", "127.0.0.1:\(OperatorProcess.freeLocalPort())"]
            process.environment = ["PATH": "/usr/bin:/bin"]
            process.standardError = try FileHandle(forWritingTo: log)
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            running = process
            print("ncn-steward started (pid \(process.processIdentifier), log \(log.path))")
        }
    }

    /// The token the controller-manager minted for ncn-system/ncn-steward (a Secret, in 1.20).
    private static func stewardToken(_ kubectl: CRDKubectl) throws -> String {
        for _ in 0..<60 {
            let secret = try kubectl.execute(["-n", "ncn-system", "get", "serviceaccount", "ncn-steward", "-o", "jsonpath={.secrets[0].name}"]).output
            if !secret.isEmpty,
               let encoded = try? kubectl.run("-n", "ncn-system", "get", "secret", secret, "-o", "jsonpath={.data.token}"),
               let token = Data(base64Encoded: encoded).map({ String(decoding: $0, as: UTF8.self) }), !token.isEmpty {
                return token
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        throw NSError(domain: "TestSteward", code: 2, userInfo: [NSLocalizedDescriptionKey: "the controller-manager never minted a token for ncn-system/ncn-steward"])
    }
}

/// The built `ncn-operator` executable, run as a child process with its log in a file.
final class OperatorProcess {
    static var binary: String { TestBed.packageRoot.appendingPathComponent(".build/debug/ncn-operator").path }
    let process = Process()
    let log: URL

    init(arguments: [String], podName: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw NSError(domain: "OperatorProcess", code: 1, userInfo: [NSLocalizedDescriptionKey: "build the operator first: swift build --product ncn-operator"])
        }
        log = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-operator-\(podName)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.binary)
        // A test run killed outright must not leave an operator behind for the next one.
        // Several operators run at once here: the dashboard's fixed default port is not theirs to share.
        let dashboard = arguments.contains("--dashboard-bind-address") ? [] : ["--dashboard-bind-address", "off"]
        process.arguments = arguments + dashboard + ["--exit-with-parent"]
        process.environment = ["POD_NAME": podName, "PATH": "/usr/bin:/bin"]
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// One operator without leader election, on free local health and metrics ports, plus `extra`.
    static func standaloneArguments(kubeconfig: String, _ extra: [String]) -> [String] {
        ["--kubeconfig", kubeconfig, "--leader-elect=false",
         "--health-probe-bind-address", "127.0.0.1:\(freeLocalPort())",
         "--metrics-bind-address", "127.0.0.1:\(freeLocalPort())", "--dashboard-bind-address", "off"] + extra
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now, below the ephemeral range so that
    /// an outgoing connection cannot take it before the operator binds it.
    static func freeLocalPort() -> Int {
        for _ in 0..<50 {
            let port = Int.random(in: 20000...32000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { return port }
        }
        return Int.random(in: 20000...32000)
    }

    /// The operator's Prometheus text, from the address its arguments name.
    func metrics() async throws -> String {
        let arguments = process.arguments ?? []
        guard let flag = arguments.firstIndex(of: "--metrics-bind-address"), flag + 1 < arguments.count,
              let url = URL(string: "http://\(arguments[flag + 1])/metrics")
        else { throw NSError(domain: "OperatorProcess", code: 2, userInfo: [NSLocalizedDescriptionKey: "no --metrics-bind-address"]) }
        let (data, _) = try await URLSession.shared.data(from: url)
        return String(decoding: data, as: UTF8.self)
    }

    /// SIGKILL: a crash, with no chance to clean up.
    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { kill() }
    }
}

// applyingAsOwnManager: each test applies the shared ComputeProvider "default" under a field
// manager of its own. When one manager re-applies without a field it owned before, the test bed's
// apiserver build writes that field as null, which the CRD schema then refuses (the same
// json-iterator quirk that refuses empty strings in custom resources). A real cluster does not
// do this; separate managers sidestep it because nobody drops a field it owns.
