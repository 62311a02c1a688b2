package dev.leakhunt.analysis;

/**
 * An ordinary least-squares line through one series, {@code value = intercept + slope * hours}, and how well it
 * fits.
 *
 * @param samples            how many points
 * @param slopePerHour       bytes per hour
 * @param intercept          the line's value at hour 0 (the first sample), bytes
 * @param r2                 the coefficient of determination, 1 - SSres/SStot; 0 when the series is constant
 * @param slopeStdErrPerHour the standard error of the slope, sqrt(SSres / (n-2) / Sxx); infinite below 3 points
 * @param first              the first value
 * @param last               the last value
 * @param mean               the mean value
 * @param max                the largest value
 */
public record TrendFit(int samples, double slopePerHour, double intercept, double r2, double slopeStdErrPerHour,
                       double first, double last, double mean, double max) {

    /**
     * Fits {@code values} over {@code hours} (same length, at least 2 points, hours not all equal). Sums are
     * taken about the means, which keeps them exact enough for byte counts in the terabytes.
     */
    public static TrendFit of(double[] hours, double[] values) {
        int n = hours.length;
        if (n != values.length || n < 2) {
            throw new IllegalArgumentException("need two or more points of equal count, got " + n + " and "
                    + values.length);
        }
        double meanX = 0;
        double meanY = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            meanX += hours[i];
            meanY += values[i];
            max = Math.max(max, values[i]);
        }
        meanX /= n;
        meanY /= n;
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = hours[i] - meanX;
            double dy = values[i] - meanY;
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
        if (sxx == 0) {
            throw new IllegalArgumentException("all " + n + " points are at one time");
        }
        double slope = sxy / sxx;
        double intercept = meanY - slope * meanX;
        double ssRes = Math.max(0, syy - slope * sxy);
        double r2 = syy == 0 ? 0 : Math.min(1, Math.max(0, 1 - ssRes / syy));
        double stdErr = n < 3 ? Double.POSITIVE_INFINITY : Math.sqrt(ssRes / (n - 2) / sxx);
        return new TrendFit(n, slope, intercept, r2, stdErr, values[0], values[n - 1], meanY, max);
    }

    /** The slope in standard errors: how surely it is not zero (infinite for a perfect line). */
    public double tStatistic() {
        if (slopeStdErrPerHour == 0) {
            return slopePerHour == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, slopePerHour);
        }
        return slopePerHour / slopeStdErrPerHour;
    }

    /** What the line rises over {@code hours}, bytes. */
    public double change(double hours) {
        return slopePerHour * hours;
    }
}
