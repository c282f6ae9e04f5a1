/// The parts of LNbits' payments API (`/api/v1/payments`) the wallet uses. Everything else
/// LNbits sends is ignored, so new fields in later versions do not break decoding.
enum LNbitsMessages {
    /// `POST /api/v1/payments` for an incoming payment; LNbits' unit is whole sats.
    struct CreateInvoice: Encodable {
        var out = false
        var amount: Int64
        var memo: String
        var expiry: Int
    }

    /// The created payment. Older LNbits versions call the invoice `payment_request`, newer ones
    /// send both it and `bolt11`.
    struct CreatedInvoice: Decodable {
        var paymentHash: String
        var bolt11: String?
        var paymentRequest: String?
    }

    /// `GET /api/v1/payments/<hash>`. `details` is present only when the key given belongs to the
    /// wallet that holds the payment; without a valid key LNbits still answers, with less.
    struct Lookup: Decodable {
        var paid: Bool
        var status: String?
        var preimage: String?
        var details: Details?

        struct Details: Decodable {
            var paymentHash: String
            /// msats; negative for an outgoing payment.
            var amount: Int64
            var bolt11: String
            var status: String?
        }
    }

    /// FastAPI's error body.
    struct Failure: Decodable {
        var detail: String
    }
}
