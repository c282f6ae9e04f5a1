import ComputeAPI
import KubeClient
import XCTest

/// The Swift types and the CRD schema must describe the same fields with the same defaults.
/// Types and schema are written side by side; these tests are what keeps them from drifting.
final class SchemaAgreementTests: XCTestCase {
    func testEveryLeaseFieldIsInTheSchemaAndViceVersa() throws {
        try assertSameKeyPaths(Fixtures.fullLease, ComputeLease.definition)
    }

    func testEveryProviderFieldIsInTheSchemaAndViceVersa() throws {
        try assertSameKeyPaths(Fixtures.fullProvider, ComputeProvider.definition)
    }

    func testFullObjectsAreValid() {
        XCTAssertEqual(Fixtures.fullLease.violations(), [])
        XCTAssertEqual(Fixtures.fullProvider.violations(), [])
    }

    /// What Swift decodes from a minimal object equals what the apiserver's defaulting makes of it.
    func testSwiftDefaultsEqualSchemaDefaults() throws {
        try assertSameDefaults(Fixtures.minimalLeaseJSON, ComputeLease.self)
        try assertSameDefaults(Fixtures.minimalProviderJSON, ComputeProvider.self)
    }

    func testEnumsInTheSchemaAreTheSwiftCases() {
        let status = ComputeLease.definition.rootSchema.property("status")!
        XCTAssertEqual(status.property("phase")?.enumValues,
                       ["AwaitingPayment", "Provisioning", "Running", "Succeeded", "Failed", "Expired", "Terminated"])
        XCTAssertEqual(ComputeLease.definition.spec.property("paymentRail")?.enumValues, ["lightning", "cashu"])
    }

    func testSchemasAreStructural() {
        for definition in NCNGroup.definitions {
            assertStructural(definition.rootSchema, at: definition.kind)
        }
    }

    func testEveryFieldIsDocumented() {
        for definition in NCNGroup.definitions {
            assertDocumented(definition.rootSchema, at: definition.kind)
        }
    }

    // MARK: Helpers

    private func assertSameKeyPaths<R: CustomResource>(_ object: R, _ definition: CustomResourceDescription,
                                                       file: StaticString = #filePath, line: UInt = #line) throws {
        let json = try OrderedJSON(encoding: object)
        let declared = definition.rootSchema.declaredKeyPaths()
        let present = definition.rootSchema.presentKeyPaths(in: json)
        XCTAssertEqual(present.subtracting(declared).sorted(), [], "Swift fields the schema lacks (the apiserver would drop them)",
                       file: file, line: line)
        XCTAssertEqual(declared.subtracting(present).sorted(), [], "schema fields the Swift type never writes (or the fixture leaves empty)",
                       file: file, line: line)
    }

    private func assertSameDefaults<R: CustomResource>(_ minimal: OrderedJSON, _: R.Type,
                                                       file: StaticString = #filePath, line: UInt = #line) throws {
        let schema = R.definition.rootSchema
        XCTAssertEqual(schema.violations(of: minimal), [], file: file, line: line)
        let bySchema = schema.applyingDefaults(to: minimal)
        let bySwift = try OrderedJSON(encoding: try minimal.decode(R.self))
        XCTAssertEqual(bySwift, bySchema, "Swift: \(bySwift.jsonText())\nschema: \(bySchema.jsonText())", file: file, line: line)
    }

    /// The rules the apiserver applies before it accepts a CRD: every node typed (or int-or-string),
    /// list-map keys required or defaulted scalars, defaults valid against their own schema.
    private func assertStructural(_ schema: Schema, at path: String) {
        XCTAssertTrue(schema.type != nil || schema.intOrString, "\(path) has no type")
        // The apiserver keeps bounds as float64: a bound it cannot hold exactly turns into another number.
        for bound in [schema.minimum, schema.maximum].compactMap({ $0 }) {
            XCTAssertEqual(Int64(exactly: Double(bound)), bound, "\(path): bound \(bound) is not exact as a float64")
        }
        if let defaultValue = schema.defaultValue {
            XCTAssertEqual(schema.violations(of: schema.applyingDefaults(to: defaultValue)), [], "\(path): invalid default")
        }
        if schema.listType == .map {
            let items = schema.items
            XCTAssertEqual(items?.type, .object, "\(path): a list-type map holds objects")
            for key in schema.listMapKeys ?? [] {
                let keySchema = items?.property(key)
                XCTAssertNotNil(keySchema, "\(path): map key \(key) is not a property")
                XCTAssertTrue(items?.requiredNames.contains(key) == true || keySchema?.defaultValue != nil,
                              "\(path): map key \(key) must be required or defaulted")
            }
        }
        for property in schema.properties { assertStructural(property.schema, at: "\(path).\(property.name)") }
        if let items = schema.items { assertStructural(items, at: "\(path)[]") }
        if let values = schema.additionalProperties { assertStructural(values, at: "\(path).*") }
    }

    private func assertDocumented(_ schema: Schema, at path: String) {
        for property in schema.properties where !(path.split(separator: ".").count == 1 && property.name == "metadata") {
            XCTAssertFalse(property.schema.description.isEmpty, "\(path).\(property.name) has no description for kubectl explain")
            assertDocumented(property.schema, at: "\(path).\(property.name)")
        }
        if let items = schema.items { assertDocumented(items, at: "\(path)[]") }
        if let values = schema.additionalProperties { assertDocumented(values, at: "\(path).*") }
    }
}
