/// A column of `kubectl get` (`additionalPrinterColumns`).
public struct PrinterColumn: Sendable, Equatable {
    public enum ColumnType: String, Sendable {
        case string, integer, number, boolean
        /// Shown as an age ("5m"); only for times in the past, kubectl prints "<invalid>" for future ones.
        case date
    }

    public var name: String
    public var type: ColumnType
    /// A simple JSONPath; dots inside label keys are escaped (`.metadata.labels.ncn\.dev/tenant`).
    public var jsonPath: String
    public var description: String
    /// 0 for the default view, 1 or more for `-o wide` only.
    public var priority: Int

    public init(_ name: String, _ type: ColumnType, _ jsonPath: String, _ description: String, priority: Int = 0) {
        self.name = name
        self.type = type
        self.jsonPath = jsonPath
        self.description = description
        self.priority = priority
    }

    func document() -> OrderedJSON {
        var members: [(String, OrderedJSON)] = [
            ("name", .string(name)), ("type", .string(type.rawValue)), ("jsonPath", .string(jsonPath)),
            ("description", .string(description)),
        ]
        if priority != 0 { members.append(("priority", .integer(Int64(priority)))) }
        return .object(members)
    }
}
