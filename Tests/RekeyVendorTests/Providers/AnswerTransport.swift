// A transport that answers every request with one fixed status and body, to hand a
// provider exactly the vendor answer a test is about.

import Foundation
import RekeyVendor

struct AnswerTransport: HTTPTransport {
    let status: Int
    let body: Data

    init(status: Int = 200, _ body: String) {
        self.status = status
        self.body = Data(body.utf8)
    }

    func send(_ request: VendorRequest, timeout: Duration) async throws(TransportError) -> VendorResponse {
        VendorResponse(status: status, body: body)
    }
}
