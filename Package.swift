// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "nostr-compute",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "NostrBridge", targets: ["NostrBridge"]),
        .library(name: "KubeClient", targets: ["KubeClient"]),
        .library(name: "ComputeAPI", targets: ["ComputeAPI"]),
        .library(name: "Billing", targets: ["Billing"]),
        .executable(name: "ncn-operator", targets: ["ncn-operator"]),
        .executable(name: "ncn-crdgen", targets: ["ncn-crdgen"]),
        .executable(name: "ncn-steward", targets: ["ncn-steward"]),
        .library(name: "Tenant", targets: ["Tenant"]),
        .executable(name: "ncn", targets: ["ncn"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        // BIP-340 Schnorr, x-only keys and ECDH come from Debian's libsecp256k1-dev.
        .systemLibrary(
            name: "CSecp256k1",
            pkgConfig: "libsecp256k1",
            providers: [.apt(["libsecp256k1-dev"])]
        ),
        // Kubernetes quantities, read once for the protocol (NostrBridge) and the CRDs (ComputeAPI).
        .target(name: "KubeQuantity"),
        .target(
            name: "NostrBridge",
            dependencies: [
                "CSecp256k1", "KubeQuantity",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "KubeClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The ComputeLease/ComputeProvider types and the schema the CRDs are generated from.
        .target(
            name: "ComputeAPI",
            dependencies: [
                "KubeClient", "KubeQuantity",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "ncn-crdgen",
            dependencies: ["ComputeAPI"]
        ),
        .testTarget(
            name: "ComputeAPITests",
            dependencies: ["ComputeAPI", "KubeClient", .product(name: "Yams", package: "Yams")]
        ),
        // Payments: Lightning (BOLT11, LNbits, NWC), Cashu, the ledger and deadlines.
        .target(
            name: "Billing",
            dependencies: [
                "CSecp256k1", "NostrBridge",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
            ]
        ),
        .testTarget(name: "BillingTests", dependencies: ["Billing", "NostrBridge"]),
        // The tenant's side: keys, offers and reputation, renting and paying (issue 14).
        .target(
            name: "Tenant",
            dependencies: ["NostrBridge", "Billing", "KubeQuantity"]
        ),
        .executableTarget(
            name: "ncn",
            dependencies: [
                "Tenant", "NostrBridge", "Billing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "TenantTests", dependencies: ["Tenant", "NostrBridge", "Billing"]),
        // The controller: reconcile loop, work queue, inventory, leader election.
        .target(
            name: "Operator",
            dependencies: [
                "KubeClient", "ComputeAPI", "NostrBridge", "Billing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(
            name: "ncn-operator",
            dependencies: [
                "OperatorApp", "Operator", "KubeClient", "ComputeAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The namespace steward: the operator's write rights, one lease namespace at a time.
        .executableTarget(
            name: "ncn-steward",
            dependencies: [
                "OperatorApp", "Operator", "KubeClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The operator process: services, health and metrics endpoints, leader-gated controllers.
        .target(
            name: "OperatorApp",
            dependencies: [
                "Operator", "KubeClient", "ComputeAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(
            name: "OperatorTests",
            dependencies: ["Operator", "OperatorApp"]
        ),
        .executableTarget(
            name: "ncn-bench",
            dependencies: ["NostrBridge", "Billing", "ComputeAPI", "KubeClient", "Operator", "OperatorApp",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "NostrBridgeTests",
            dependencies: [
                "NostrBridge", "KubeQuantity",
                // An in-process mock relay for the connection driver's tests.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "KubeClientTests",
            dependencies: ["KubeClient"]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "NostrBridge", "KubeClient", "ComputeAPI", "Operator", "Billing", "Tenant",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
    ]
)
