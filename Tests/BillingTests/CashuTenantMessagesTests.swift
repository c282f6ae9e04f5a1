@testable import Billing
import XCTest

/// What a tenant is told about a refused Cashu payment: the mint's refusal in its own words,
/// never our transport errors, addresses or storage.
final class CashuTenantMessagesTests: XCTestCase {
    func testTransportAndStorageDetailsNeverReachTheTenant() {
        let transport = CashuError.mint(.transport("/v1/swap", "connect(10.0.3.7:3338): connection refused"))
        XCTAssertFalse(transport.tenantDescription.contains("10.0.3.7"), transport.tenantDescription)
        XCTAssertTrue(transport.description.contains("10.0.3.7"), "operators still see it in the log")
        let vault = CashuError.vault("abc", KubeLikeError())
        XCTAssertFalse(vault.tenantDescription.contains("ncn-system"), vault.tenantDescription)
        XCTAssertFalse(CashuError.configuration("Secret ncn-system/ncn-provider has no key").tenantDescription.contains("ncn-provider"))
    }

    func testTheMintsRefusalIsPassedOnTrimmedAndWithoutControlCharacters() {
        let refusal = CashuError.mint(.refused("/v1/swap", status: 400, code: 11001, detail: "Token already spent.\u{1b}[31m" + String(repeating: "x", count: 500)))
        XCTAssertTrue(refusal.tenantDescription.hasPrefix("the mint refused it (HTTP 400, code 11001): Token already spent."), refusal.tenantDescription)
        XCTAssertFalse(refusal.tenantDescription.contains("\u{1b}"))
        XCTAssertLessThan(refusal.tenantDescription.count, 260)
        XCTAssertEqual(CashuError.missingDLEQ(amount: 8).tenantDescription, CashuError.missingDLEQ(amount: 8).description)
    }

    private struct KubeLikeError: Error, CustomStringConvertible {
        var description: String { "PUT /api/v1/namespaces/ncn-system/secrets/ncn-ecash-abc: HTTP 409" }
    }
}
