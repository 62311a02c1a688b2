package dev.leakhunt.cli;

import picocli.CommandLine;

/** A process id: a whole number from 1, as {@code ps} prints it; anything else is a usage error that says so. */
final class PidConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            long pid = Long.parseLong(value);
            if (pid >= 1 && pid <= Integer.MAX_VALUE) {
                return pid;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new CommandLine.TypeConversionException("'" + value + "' is not a pid: a process id is a whole number "
                + "from 1, as ps prints it");
    }
}
