package dev.leakhunt.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Analyze a heap snapshot file (.heapsnapshot, or gzip-compressed).")
final class AnalyzeCommand extends BaseCommand {

    @Parameters(index = "0", paramLabel = "FILE", description = "The heap snapshot to analyze.")
    Path file;

    @Override
    public Integer call() throws Exception {
        ensureReadableFile(file);
        return ExitCodes.OK;
    }
}
