import Glibc
import Posix

let arguments = CommandLine.arguments
let command = arguments.count > 1 ? arguments[1] : "help"
let rest = arguments.dropFirst(2)

func fail(_ message: String, code: Int32 = 2) -> Never {
    Files.writeStderr("sockwarden: \(message)\n")
    exit(code)
}

switch command {
case "serve":
    runServe(rest)
case "check":
    runCheck(rest)
case "routes":
    runRoutes(rest)
case "explain":
    runExplain(rest)
case "test":
    runTest(rest)
case "suggest":
    runSuggest(rest)
case "audit":
    runAudit(rest)
case "job":
    runJob(rest)
case "help", "-h", "--help":
    switch rest.first {
    case "serve": print(serveHelp)
    case "check": print(checkHelp)
    case "routes": print(routesHelp)
    case "explain": print(explainHelp)
    case "test": print(testHelp)
    case "suggest": print(suggestHelp)
    case "audit": print(rest.dropFirst().first == "verify" ? auditVerifyHelp : auditHelp)
    case "job": print(jobHelp)
    default: print(mainHelp)
    }
case "--version", "version":
    print("sockwarden \(version)")
default:
    fail("unknown command \"\(command)\"; run 'sockwarden help'")
}
