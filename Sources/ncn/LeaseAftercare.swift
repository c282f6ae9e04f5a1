import Foundation
import NostrBridge
import Synchronization
import Tenant

/// What `ncn run` and `ncn watch` do besides paying: remember the lease (`ncn ls`), measure
/// the uptime of the endpoints it prints, and at the end say how to rate the provider, or rate
/// it when `--rate STARS` was given.
final class LeaseAftercare: Sendable {
    let output: Output
    let book: LeaseBook
    /// Written to the lease record when the request is published (run only).
    let image: String?
    let maxPriceMsats: Int64
    let relays: [String]
    /// The --relay flags, repeated in the printed rate command.
    let relayFlags: [String]
    let uptime = UptimeWatch()
    private let lease = Mutex<(request: String?, provider: String?)>((nil, nil))

    init(output: Output, paths: TenantPaths, image: String?, maxPriceMsats: Int64, relays: [String], relayFlags: [String],
         request: String? = nil, provider: String? = nil) {
        self.output = output
        self.book = LeaseBook(paths: paths)
        self.image = image
        self.maxPriceMsats = maxPriceMsats
        self.relays = relays
        self.relayFlags = relayFlags
        lease.withLock { $0 = (request, provider) }
    }

    /// Sees each report before it is shown.
    func observe(_ report: LeaseReport) {
        switch report {
        case let .published(id, provider, _):
            lease.withLock { $0 = (id, provider) }
            guard let image else { return }
            let record = LeaseRecord(request: id, provider: provider, image: image, createdAt: NostrEvent.currentTimestamp(),
                                     maxPriceMsats: maxPriceMsats, relays: relays)
            do { try book.save(record) } catch {
                FileHandle.standardError.write(Data("ncn: the lease is not recorded for ncn ls: \(error)\n".utf8))
            }
        case let .progress(.running(endpoints, _)):
            uptime.running(endpoints)
        default:
            break
        }
    }

    /// After the last line: the measured uptime, and the rating (published with `stars`, else
    /// the command that would publish it). Nothing when no provider bid.
    func conclude(_ outcome: LeaseOutcome, stars: Int?, key: SecretKey, pool: RelayPool) async {
        uptime.stop()
        switch outcome {
        case .ended, .cancelled: break
        case .refused, .noBid: return
        }
        let (request, provider) = lease.withLock { ($0.request, $0.provider) }
        guard let request, let provider else { return }
        let meter = uptime.meter
        let measured = meter.tagValue
        if let measured {
            output.say("uptime measured: \(measured) of \(Int(meter.observed.components.seconds)) s observed (\(meter.probes) probes, \(meter.failures) failed)",
                       ["event": "uptime", "request": request, "uptime": measured, "observed_seconds": meter.observed.components.seconds,
                        "probes": meter.probes, "failed": meter.failures])
            try? book.setUptime(measured, of: request)
        } else {
            output.say("uptime not measured: \(uptime.endpoints.isEmpty ? "no TCP endpoint was announced" : "the lease did not run long enough to probe")",
                       ["event": "uptime", "request": request, "uptime": NSNull()])
        }
        if let stars {
            let rating = LeaseRating(requestID: request, provider: provider, stars: stars, uptime: measured,
                                     offerIdentifier: await LeaseRating.offerIdentifier(of: provider, pool: pool, now: NostrEvent.currentTimestamp()))
            do {
                let (event, relays) = try await rating.publish(key: key, pool: pool)
                output.say("rated the provider \(stars) star\(stars == 1 ? "" : "s")\(measured.map { ", uptime \($0)" } ?? ""): event \(event.id) on \(relays.count) relay\(relays.count == 1 ? "" : "s")",
                           ["event": "rated", "request": request, "rating": event.id, "stars": stars, "uptime": measured ?? NSNull(), "relays": relays])
            } catch {
                FileHandle.standardError.write(Data("ncn: the rating was not published: \(error); run: \(command(request, stars: String(stars), uptime: measured))\n".utf8))
            }
        } else {
            let line = command(request, stars: "N", uptime: measured)
            output.say("rate the provider (N = 1 to 5 stars): \(line)", ["event": "rate-hint", "request": request, "command": line, "uptime": measured ?? NSNull()])
        }
    }

    private func command(_ request: String, stars: String, uptime: String?) -> String {
        (["ncn", "rate", request, "--stars", stars] + (uptime.map { ["--uptime", $0] } ?? []) + relayFlags.flatMap { ["--relay", $0] })
            .joined(separator: " ")
    }
}
