import ComputeAPI
import Foundation

/// ncn-crdgen: writes the CustomResourceDefinitions generated from the Swift types, and keeps
/// the kustomize base's copies in step. Hand-parsed flags: four options do not justify a dependency.
let usage = """
    USAGE: ncn-crdgen [--output <dir>]... [--kustomize-base <dir>] [--manifests <dir>] [--check]

    Generates the CustomResourceDefinitions of ComputeLease and ComputeProvider (\(NCNGroup.apiVersion))
    from the Swift types in Sources/ComputeAPI. Without --output or --kustomize-base the CRDs are
    printed to standard output as one YAML stream.

    OPTIONS:
      --output <dir>          Write one file per CRD into <dir> (e.g. crds). May be repeated.
      --kustomize-base <dir>  Refresh a kustomize base: the CRDs into <dir>/crds, copies of the
                              manifests into <dir>/manifests and <dir>/kustomization.yaml listing them.
                              (kubectl's embedded kustomize reads no file outside the base's folder.)
      --manifests <dir>       Where the hand-written manifests are (default: manifests).
      --check                 Write nothing; list every file that is out of date and exit 1 if any is.
                              For CI: the committed files must equal the generator's output.
      -h, --help              Show this help.

    EXAMPLE:
      swift run ncn-crdgen --output crds --kustomize-base helm-free-kustomize/base
      kubectl apply -f crds/

    """

struct Options {
    var outputs: [String] = []
    var kustomizeBase: String?
    var manifests = "manifests"
    var check = false
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ncn-crdgen: \(message)\n".utf8))
    exit(2)
}

func parse(_ arguments: [String]) -> Options {
    var options = Options()
    var rest = arguments[...]
    func value(for flag: String) -> String {
        guard let next = rest.popFirst(), !next.hasPrefix("--") else { fail("\(flag) needs a folder; see --help") }
        return next
    }
    while let argument = rest.popFirst() {
        switch argument {
        case "--output", "-o": options.outputs.append(value(for: argument))
        case "--kustomize-base": options.kustomizeBase = value(for: argument)
        case "--manifests": options.manifests = value(for: argument)
        case "--check": options.check = true
        case "-h", "--help":
            print(usage, terminator: "")
            exit(0)
        default: fail("unknown argument '\(argument)'; see --help")
        }
    }
    return options
}

let options = parse(Array(CommandLine.arguments.dropFirst()))

do {
    if options.outputs.isEmpty && options.kustomizeBase == nil {
        if options.check { fail("--check needs --output or --kustomize-base") }
        print(try CRDRenderer.stream(), terminator: "")
        exit(0)
    }
    let files = try InstallBundle.files(crdDirectories: options.outputs, kustomizeBase: options.kustomizeBase,
                                        manifestsDirectory: options.manifests)
    let stale = try options.kustomizeBase.map { try InstallBundle.staleCopies(kustomizeBase: $0, manifestsDirectory: options.manifests) } ?? []
    let outdated = files.filter { (try? String(contentsOfFile: $0.path, encoding: .utf8)) != $0.contents }

    if options.check {
        for file in outdated { print("out of date: \(file.path)") }
        for path in stale { print("stale copy: \(path)") }
        if outdated.isEmpty && stale.isEmpty { exit(0) }
        print("regenerate with: \(CRDRenderer.regenerateCommand)")
        exit(1)
    }
    for file in outdated {
        let folder = URL(fileURLWithPath: file.path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try file.contents.write(toFile: file.path, atomically: true, encoding: .utf8)
        print("wrote \(file.path)")
    }
    for path in stale {
        try FileManager.default.removeItem(atPath: path)
        print("removed \(path)")
    }
    if outdated.isEmpty && stale.isEmpty { print("up to date (\(files.count) files)") }
} catch {
    fail("\(error)")
}
