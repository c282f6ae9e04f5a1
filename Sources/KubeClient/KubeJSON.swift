import Foundation

enum KubeJSON {
    /// Slashes stay unescaped: server-side apply bodies are parsed as YAML, and YAML has no `\/` escape.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }
}
