import Foundation
import PosternCLI

PosternMain.bootstrapLogging()
exit(await PosternMain.run(arguments: CommandLine.arguments))
