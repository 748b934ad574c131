// swift-tools-version: 6.2
// The libFuzzer harnesses: a package of their own, so that the project's normal build never compiles
// them, nor anything with sanitizers. `scripts/fuzz` builds and runs them.
import PackageDescription

// The project is the folder above; its package identity is that folder's name, whatever it is.
let projectFolder = Context.packageDirectory.split(separator: "/").dropLast().last.map(String.init) ?? "engel"
let project = projectFolder.lowercased()

let package = Package(
    name: "engel-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzRequestDecoder",
            dependencies: [
                .product(name: "EngelCore", package: project),
                .product(name: "EngelWire", package: project),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
        .executableTarget(
            name: "FuzzNumberParser",
            dependencies: [.product(name: "EngelCore", package: project)],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
    ]
)
