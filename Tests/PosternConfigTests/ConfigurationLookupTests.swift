import Foundation
import Postern
import Testing

@Suite struct ConfigurationLookupTests {
    @Test func candidateOrder() {
        let system = PosternConfiguration.systemPath
        #expect(
            PosternConfiguration.candidatePaths(explicit: nil, environment: ["HOME": "/home/a"])
                == ["/home/a/.config/postern/config.yaml", system])
        #expect(
            PosternConfiguration.candidatePaths(
                explicit: nil, environment: ["HOME": "/home/a", "XDG_CONFIG_HOME": "/x"])
                == ["/x/postern/config.yaml", system])
        // A relative XDG_CONFIG_HOME is invalid per the XDG spec and ignored.
        #expect(
            PosternConfiguration.candidatePaths(
                explicit: nil, environment: ["HOME": "/home/a", "XDG_CONFIG_HOME": "x"])
                == ["/home/a/.config/postern/config.yaml", system])
        #expect(PosternConfiguration.candidatePaths(explicit: nil, environment: [:]) == [system])
        #expect(
            PosternConfiguration.candidatePaths(
                explicit: nil, environment: ["HOME": "/h", "POSTERN_CONFIG": "/c.yaml"])
                == ["/c.yaml"])
        #expect(
            PosternConfiguration.candidatePaths(explicit: "/x.yaml", environment: ["POSTERN_CONFIG": "/c.yaml"])
                == ["/x.yaml"])
    }

    /// A fake HOME, XDG directory and system file, each holding a config naming its origin.
    struct Layout {
        let root: ScratchDirectory
        init() throws { root = try ScratchDirectory() }
        var home: String { root.path + "/home" }
        var xdg: String { root.path + "/xdg" }
        var system: String { root.path + "/etc/postern/config.yaml" }

        func write(_ path: String, helo: String) throws {
            let relative = String(path.dropFirst(root.path.count + 1))
            try root.write(relative, "postern-config: 1\nhelo: \(helo)\n")
        }

        func found(_ environment: [String: String], explicit: String? = nil) throws(ConfigurationError) -> String? {
            try PosternConfiguration.locateAndLoad(explicit: explicit, environment: environment, systemPath: system)
                .helo
        }
    }

    @Test func firstExistingFileWins() throws {
        let layout = try Layout()
        let environment = ["HOME": layout.home, "XDG_CONFIG_HOME": layout.xdg]
        try layout.write(layout.system, helo: "system")
        #expect(try layout.found(environment) == "system")
        try layout.write(layout.home + "/.config/postern/config.yaml", helo: "home")
        #expect(try layout.found(["HOME": layout.home]) == "home")
        // With XDG_CONFIG_HOME set, ~/.config is not consulted.
        #expect(try layout.found(environment) == "system")
        try layout.write(layout.xdg + "/postern/config.yaml", helo: "xdg")
        #expect(try layout.found(environment) == "xdg")
        let named = layout.root.path + "/named.yaml"
        try layout.write(named, helo: "named")
        #expect(try layout.found(environment.merging(["POSTERN_CONFIG": named]) { $1 }) == "named")
        let explicit = layout.root.path + "/explicit.yaml"
        try layout.write(explicit, helo: "explicit")
        #expect(
            try layout.found(environment.merging(["POSTERN_CONFIG": named]) { $1 }, explicit: explicit) == "explicit")
    }

    @Test func nothingFoundListsEveryPathTried() throws {
        let layout = try Layout()
        do {
            _ = try layout.found(["HOME": layout.home])
            Issue.record("expected not-found")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.exitStatus == .config)
            let message = try #require(error.diagnostics.first?.message)
            #expect(message.contains("no configuration found"))
            #expect(message.contains(layout.home + "/.config/postern/config.yaml"))
            #expect(message.contains(layout.system))
        }
    }

    @Test func explicitChoiceNeverFallsBack() throws {
        let layout = try Layout()
        try layout.write(layout.system, helo: "system")
        let missing = layout.root.path + "/typo.yaml"
        for (environment, explicit) in [([String: String](), Optional(missing)), (["POSTERN_CONFIG": missing], nil)] {
            do {
                _ = try layout.found(environment, explicit: explicit)
                Issue.record("expected not-found")
            } catch {
                #expect(error.code == .notFound)
                #expect(error.diagnostics.first?.message.contains(missing) == true)
            }
        }
    }

    @Test func brokenFirstFileIsAnErrorNotASkip() throws {
        let layout = try Layout()
        try layout.write(layout.system, helo: "system")
        try layout.root.write("home/.config/postern/config.yaml", "postern-config: 1\nhelo: [x]\n")
        do {
            _ = try layout.found(["HOME": layout.home])
            Issue.record("expected invalid")
        } catch {
            #expect(error.code == .invalid)
            #expect(
                error.description == layout.home
                    + "/.config/postern/config.yaml:2:7: error: helo must be a string, found a list")
        }
    }

    @Test func unreadableCandidateIsReported() throws {
        let layout = try Layout()
        try FileManager.default.createDirectory(
            atPath: layout.xdg + "/postern/config.yaml", withIntermediateDirectories: true)
        do {
            _ = try layout.found(["XDG_CONFIG_HOME": layout.xdg])
            Issue.record("expected unreadable")
        } catch {
            #expect(error.code == .unreadable)
            #expect(error.exitStatus == .config)
        }
    }
}
