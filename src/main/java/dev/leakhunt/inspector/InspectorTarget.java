package dev.leakhunt.inspector;

import java.net.URI;

/**
 * One entry of an inspector's {@code /json/list}: a Node.js process ({@code type} "node") or a browser page,
 * worker, and so on.
 *
 * @param webSocketUrl the {@code webSocketDebuggerUrl}, or null when the target does not offer one (a browser
 *                     omits it while another debugger is attached)
 */
public record InspectorTarget(String id, String type, String title, String url, URI webSocketUrl) {
}
