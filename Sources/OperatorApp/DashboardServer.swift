import Foundation
import Hummingbird
import Logging
import NIOCore
import Operator

/// The provider's dashboard over HTTP: the page, its script and style, and `/api/state`, which
/// the page polls. Strict headers: the page loads nothing from elsewhere and cannot be framed.
public struct DashboardServer: Sendable {
    let dashboard: ProviderDashboard
    let access: DashboardAccess

    public init(dashboard: ProviderDashboard, access: DashboardAccess) {
        self.dashboard = dashboard
        self.access = access
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { request, _ in try page(request, DashboardAssets.html, type: "text/html; charset=utf-8") }
        router.get("dashboard.js") { request, _ in try page(request, DashboardAssets.script, type: "text/javascript; charset=utf-8") }
        router.get("dashboard.css") { request, _ in try page(request, DashboardAssets.style, type: "text/css; charset=utf-8") }
        router.get("api/state") { [dashboard] request, _ -> Response in
            if let refused = try gate(request, isPage: false) { return refused }
            return Self.response(ByteBuffer(data: await dashboard.json()), type: "application/json")
        }
        return router
    }

    private func page(_ request: Request, _ body: String, type: String) throws -> Response {
        if let refused = try gate(request, isPage: request.uri.path == "/") { return refused }
        return Self.response(ByteBuffer(string: body), type: type)
    }

    /// Nil when the request may go on; otherwise the answer.
    private func gate(_ request: Request, isPage: Bool) throws -> Response? {
        let query = request.uri.queryParameters["token"].map(String.init)
        switch access.decide(isPage: isPage, authorization: request.headers[.authorization], cookie: request.cookies[DashboardAccess.cookieName]?.value,
                             queryToken: query) {
        case .allow:
            return nil
        case .rememberAndRedirect:
            var response = Response(status: .seeOther, headers: [.location: "/", .cacheControl: "no-store"])
            response.setCookie(try Cookie.validated(name: DashboardAccess.cookieName, value: query ?? "", path: "/", httpOnly: true, sameSite: .strict))
            return response
        case .deny:
            return Response(
                status: .unauthorized,
                headers: [.contentType: "text/plain; charset=utf-8", .wwwAuthenticate: "Bearer", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: "This dashboard needs its token: open it once as /?token=TOKEN (the token is in the file "
                    + "given by --dashboard-token-file), or send 'Authorization: Bearer TOKEN'.\n")))
        }
    }

    static func response(_ body: ByteBuffer, type: String) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-store"]
        headers[.contentSecurityPolicy] = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }
}
