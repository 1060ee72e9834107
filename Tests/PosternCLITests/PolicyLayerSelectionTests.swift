import Testing

@testable import PosternCLI

@Suite struct PolicyLayerSelectionTests {
    @Test func explicitFilesWinOverTheEnvironment() {
        let selection = PolicyLayerSelection.resolve(
            files: ["a.yaml", "b.yaml"], environment: ["POSTERN_POLICY": "e.yaml"])
        #expect(selection.files == ["a.yaml", "b.yaml"])
    }

    @Test func environmentBeforeBaseline() {
        #expect(PolicyLayerSelection.resolve(files: [], environment: ["POSTERN_POLICY": "e.yaml"]).files == ["e.yaml"])
        let baseline = PolicyLayerSelection.resolve(files: [], environment: [:])
        #expect(baseline.usesBaseline)
        #expect(baseline.displayNames == ["<built-in baseline>"])
    }
}
