import Foundation
import NostrBridge

extension LeaseOrder {
    /// The signed kind 5900. Addressed to `provider`, it is encrypted to it with NIP-44 (§4.1):
    /// only `p` and `encrypted` stay public. Before it is returned it is read back with the
    /// provider's own parser, so a request every provider would refuse never leaves this machine.
    public func requestEvent(key: SecretKey, provider: PublicKey?, relays: [String]) throws(TenantError) -> NostrEvent {
        _ = try resources()
        let hidden = tags(relays: relays)
        var builder: EventBuilder
        if let provider {
            let plaintext: String
            do { plaintext = String(decoding: try JSONEncoder().encode(hidden), as: UTF8.self) } catch {
                throw TenantError(.request, "cannot encode the request: \(error)")
            }
            do {
                let content = try NIP44.encrypt(plaintext, secretKey: key, peer: provider)
                builder = EventBuilder(kind: ComputeKinds.request, content: content, tags: [[ComputeTag.pubkey, provider.hex], [ComputeTag.encrypted]])
            } catch {
                throw TenantError(.request, "cannot encrypt the request to \(provider.hex): \(error)")
            }
        } else {
            if !secretEnv.isEmpty { throw TenantError(.request, "--secret-env needs an encrypted request: name a --provider") }
            builder = EventBuilder(kind: ComputeKinds.request, content: "", tags: hidden)
        }
        let event: NostrEvent
        do { event = try builder.sign(with: key) } catch { throw TenantError(.request, "cannot sign the request: \(error)") }
        do {
            guard case .request = try ComputeRequest.parse(event, key: key) else {
                throw TenantError(.request, "the request does not read back as a compute request")
            }
        } catch let error as ComputeRequestError {
            throw TenantError(.request, "providers would refuse this request: \(error)")
        } catch let error as TenantError {
            throw error
        } catch {
            throw TenantError(.request, "\(error)")
        }
        return event
    }
}
