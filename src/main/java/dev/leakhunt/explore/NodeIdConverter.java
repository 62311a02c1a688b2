package dev.leakhunt.explore;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads a node id as {@code analyze} prints it, {@code @123}, or bare, {@code 123}: an unsigned 32-bit number. */
final class NodeIdConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String digits = value.startsWith("@") ? value.substring(1) : value;
        if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new TypeConversionException("'" + value + "' is not a node id (write it as @123)");
        }
        long id = Long.parseLong(digits);
        if (id > 0xFFFF_FFFFL) {
            throw new TypeConversionException("'" + value + "' is not a node id (ids are below 2^32)");
        }
        return id;
    }
}
