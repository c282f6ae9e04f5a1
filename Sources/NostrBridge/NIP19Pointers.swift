/// The TLV record types of NIP-19.
enum TLVType: UInt8 {
    /// Pubkey for nprofile, event id for nevent, `d` identifier for naddr.
    case special = 0
    /// A relay URL; may repeat.
    case relay = 1
    /// The author's pubkey (naddr, optionally nevent).
    case author = 2
    /// A 32-bit big-endian kind (naddr, optionally nevent).
    case kind = 3
}

/// Type-length-value records, one byte each for type and length.
struct TLV {
    /// Records in order. Unknown types are kept here and ignored by the pointers, as NIP-19 asks.
    private(set) var records: [(type: UInt8, value: [UInt8])] = []

    init() {}

    init(parsing data: [UInt8]) throws(Bech32Error) {
        var index = 0
        while index < data.count {
            guard index + 2 <= data.count else { throw .malformedTLV }
            let type = data[index]
            let length = Int(data[index + 1])
            index += 2
            guard index + length <= data.count else { throw .malformedTLV }
            records.append((type, Array(data[index..<(index + length)])))
            index += length
        }
    }

    func first(_ type: TLVType) -> [UInt8]? {
        records.first { $0.type == type.rawValue }?.value
    }

    func all(_ type: TLVType) -> [[UInt8]] {
        records.filter { $0.type == type.rawValue }.map(\.value)
    }

    mutating func append(_ type: TLVType, _ value: [UInt8]) throws(Bech32Error) {
        guard value.count <= 255 else { throw .valueTooLong }
        records.append((type.rawValue, value))
    }

    var bytes: [UInt8] {
        records.flatMap { [$0.type, UInt8($0.value.count)] + $0.value }
    }

    // Shared field decoders.

    func relays() throws(Bech32Error) -> [String] {
        var relays = [String]()
        for value in all(.relay) {
            guard let url = strictUTF8String(value) else { throw .invalidField("relay is not UTF-8") }
            relays.append(url)
        }
        return relays
    }

    func author() throws(Bech32Error) -> PublicKey? {
        guard let value = first(.author) else { return nil }
        guard value.count == 32 else { throw .invalidField("author is not 32 bytes") }
        return try NIP19.publicKey(from: value)
    }

    func kind() throws(Bech32Error) -> Int? {
        guard let value = first(.kind) else { return nil }
        guard value.count == 4 else { throw .invalidField("kind is not 4 bytes") }
        return value.reduce(0) { $0 << 8 | Int($1) }
    }

    mutating func append(relays: [String]) throws(Bech32Error) {
        for relay in relays { try append(.relay, Array(relay.utf8)) }
    }

    mutating func append(kind: Int) throws(Bech32Error) {
        guard kind >= 0, kind <= Int(UInt32.max) else { throw .invalidField("kind does not fit 32 bits") }
        let value = UInt32(kind)
        try append(.kind, [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) })
    }
}

/// `nprofile`: a pubkey and relays where its events are likely found.
public struct ProfilePointer: Sendable, Hashable {
    public var publicKey: PublicKey
    public var relays: [String]

    public init(publicKey: PublicKey, relays: [String] = []) {
        self.publicKey = publicKey
        self.relays = relays
    }

    public init(nprofile text: String) throws(Bech32Error) {
        try self.init(tlv: NIP19.payload(of: text, expecting: "nprofile"))
    }

    init(tlv data: [UInt8]) throws(Bech32Error) {
        let tlv = try TLV(parsing: data)
        guard let special = tlv.first(.special) else { throw .missingField("pubkey") }
        guard special.count == 32 else { throw .invalidField("pubkey is not 32 bytes") }
        self.publicKey = try NIP19.publicKey(from: special)
        self.relays = try tlv.relays()
    }

    /// Throws `.valueTooLong` for a relay URL over 255 bytes, `.tooLong` past `Bech32.maxLength`.
    public func encoded() throws(Bech32Error) -> String {
        var tlv = TLV()
        try tlv.append(.special, publicKey.bytes)
        try tlv.append(relays: relays)
        return try Bech32.encode(hrp: "nprofile", data: tlv.bytes)
    }
}

/// `nevent`: an event id with optional relays, author and kind.
public struct EventPointer: Sendable, Hashable {
    /// Lower-case hex.
    public var id: String
    public var relays: [String]
    public var author: PublicKey?
    public var kind: Int?

    public init(id: String, relays: [String] = [], author: PublicKey? = nil, kind: Int? = nil) {
        self.id = id
        self.relays = relays
        self.author = author
        self.kind = kind
    }

    public init(nevent text: String) throws(Bech32Error) {
        try self.init(tlv: NIP19.payload(of: text, expecting: "nevent"))
    }

    init(tlv data: [UInt8]) throws(Bech32Error) {
        let tlv = try TLV(parsing: data)
        guard let special = tlv.first(.special) else { throw .missingField("event id") }
        guard special.count == 32 else { throw .invalidField("event id is not 32 bytes") }
        self.id = Hex.encode(special)
        self.relays = try tlv.relays()
        self.author = try tlv.author()
        self.kind = try tlv.kind()
    }

    public func encoded() throws(Bech32Error) -> String {
        guard let idBytes = Hex.decode(id), idBytes.count == 32 else { throw .invalidField("event id is not 64 hex digits") }
        var tlv = TLV()
        try tlv.append(.special, idBytes)
        try tlv.append(relays: relays)
        if let author { try tlv.append(.author, author.bytes) }
        if let kind { try tlv.append(kind: kind) }
        return try Bech32.encode(hrp: "nevent", data: tlv.bytes)
    }
}

/// `naddr`: the coordinate of an addressable (or replaceable) event, with relays.
public struct AddressPointer: Sendable, Hashable {
    /// The `d` tag value; empty for replaceable kinds.
    public var identifier: String
    public var author: PublicKey
    public var kind: Int
    public var relays: [String]

    public init(identifier: String, author: PublicKey, kind: Int, relays: [String] = []) {
        self.identifier = identifier
        self.author = author
        self.kind = kind
        self.relays = relays
    }

    public init(naddr text: String) throws(Bech32Error) {
        try self.init(tlv: NIP19.payload(of: text, expecting: "naddr"))
    }

    init(tlv data: [UInt8]) throws(Bech32Error) {
        let tlv = try TLV(parsing: data)
        guard let special = tlv.first(.special) else { throw .missingField("identifier") }
        guard let identifier = strictUTF8String(special) else { throw .invalidField("identifier is not UTF-8") }
        guard let author = try tlv.author() else { throw .missingField("author") }
        guard let kind = try tlv.kind() else { throw .missingField("kind") }
        self.identifier = identifier
        self.author = author
        self.kind = kind
        self.relays = try tlv.relays()
    }

    public var coordinate: EventCoordinate {
        EventCoordinate(kind: kind, pubkey: author.hex, identifier: identifier)
    }

    public func encoded() throws(Bech32Error) -> String {
        var tlv = TLV()
        try tlv.append(.special, Array(identifier.utf8))
        try tlv.append(relays: relays)
        try tlv.append(.author, author.bytes)
        try tlv.append(kind: kind)
        return try Bech32.encode(hrp: "naddr", data: tlv.bytes)
    }
}
