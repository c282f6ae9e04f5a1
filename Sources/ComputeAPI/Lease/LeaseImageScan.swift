/// What the provider's image scanner said about a lease's image, kept so that a restart neither
/// asks again nor runs anything but the digest that was scanned.
public struct LeaseImageScan: Codable, Sendable, Equatable {
    /// The image as scanned and run: its repository pinned to the digest (`repo@sha256:…`).
    public var image: String
    public var verdict: ImageScanVerdict
    /// The scanner's words, for a denial.
    public var reason: String?
    public var scannedAt: Timestamp

    public init(image: String, verdict: ImageScanVerdict, reason: String? = nil, scannedAt: Timestamp) {
        self.image = image
        self.verdict = verdict
        self.reason = reason
        self.scannedAt = scannedAt
    }

    static let schema = Schema.object("The image scanner's verdict on this lease's image.", [
        .required("image", .string("The image pinned to the digest that was scanned and runs.").length(1...1_024)),
        .required("verdict", .oneOf(ImageScanVerdict.self, "Allowed or Denied.")),
        .optional("reason", .string("The scanner's reason, for a denial.").maxLength(1_024)),
        .required("scannedAt", .dateTime("When the scanner answered.")),
    ])
}

public enum ImageScanVerdict: String, Codable, Sendable, CaseIterable {
    case allowed = "Allowed"
    case denied = "Denied"
}
