/// The tagged fields of an invoice's data part (between the timestamp and the signature), as far
/// as billing uses them. Each field is a 5-bit type, a 10-bit length in words, then the words.
struct Bolt11TaggedFields {
    var paymentHash: [UInt8]
    var paymentSecret: [UInt8]?
    var description: String?
    var descriptionHash: [UInt8]?
    var expirySeconds = 3600
    var minFinalCltvExpiry = 18
    var payeePubkey: [UInt8]?

    /// Field types by their bech32 character (the type is the character's 5-bit value).
    private enum Tag: UInt8 {
        case paymentHash = 1      // p
        case description = 13     // d
        case payeePubkey = 19     // n
        case descriptionHash = 23 // h
        case expiry = 6           // x
        case minFinalCltvExpiry = 24 // c
        case paymentSecret = 16   // s
    }

    static func parse(_ words: ArraySlice<UInt8>) throws(Bolt11Error) -> Bolt11TaggedFields {
        var paymentHashes: [[UInt8]] = []
        var paymentSecret: [UInt8]?
        var description: String?
        var descriptionHash: [UInt8]?
        var expiry: Int?
        var minFinalCltvExpiry: Int?
        var payee: [UInt8]?

        var index = words.startIndex
        while index < words.endIndex {
            guard words.endIndex - index >= 3 else {
                throw .invalidField("a tagged field is cut off before its length")
            }
            let type = words[index]
            let length = Int(words[index + 1]) << 5 | Int(words[index + 2])
            let start = index + 3
            guard words.endIndex - start >= length else {
                throw .invalidField("a tagged field claims \(length) words but only \(words.endIndex - start) remain")
            }
            let data = words[start..<(start + length)]
            index = start + length

            // The first field of a kind wins (BOLT #11 orders repeated fields by preference);
            // fixed-size fields of another length are skipped, as the spec requires of readers,
            // so that future variants can coexist with these.
            switch Tag(rawValue: type) {
            case .paymentHash where length == 52:
                paymentHashes.append(Bolt11Words.bytes(data, padTrailingBits: false))
            case .paymentSecret where length == 52:
                if paymentSecret == nil { paymentSecret = Bolt11Words.bytes(data, padTrailingBits: false) }
            case .descriptionHash where length == 52:
                if descriptionHash == nil { descriptionHash = Bolt11Words.bytes(data, padTrailingBits: false) }
            case .payeePubkey where length == 53:
                if payee == nil { payee = Bolt11Words.bytes(data, padTrailingBits: false) }
            case .description:
                guard description == nil else { break }
                let bytes = Bolt11Words.bytes(data, padTrailingBits: false)
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw .invalidField("the description (d field) is not valid UTF-8")
                }
                description = text
            case .expiry:
                guard expiry == nil else { break }
                expiry = try number(data, field: "expiry (x field)")
            case .minFinalCltvExpiry:
                guard minFinalCltvExpiry == nil else { break }
                minFinalCltvExpiry = try number(data, field: "min_final_cltv_expiry (c field)")
            default:
                break  // unknown, or a known fixed-size field of another length
            }
        }

        guard let paymentHash = paymentHashes.first else { throw .missingPaymentHash }
        guard paymentHashes.count == 1 else { throw .duplicatePaymentHash }
        return Bolt11TaggedFields(
            paymentHash: paymentHash, paymentSecret: paymentSecret, description: description,
            descriptionHash: descriptionHash, expirySeconds: expiry ?? 3600,
            minFinalCltvExpiry: minFinalCltvExpiry ?? 18, payeePubkey: payee
        )
    }

    /// Variable-length numbers are big-endian words; anything beyond 40 bits (34 000 years of
    /// seconds) is not a sensible expiry or CLTV, and refusing it keeps all arithmetic in range.
    private static func number(_ data: ArraySlice<UInt8>, field: String) throws(Bolt11Error) -> Int {
        let significant = data.drop { $0 == 0 }
        guard significant.count <= 8, let value = Bolt11Words.integer(significant) else {
            throw .invalidField("the \(field) is too large")
        }
        return Int(value)
    }
}
