package org.flowlens.web;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import jakarta.servlet.Servlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.websocket.CloseReason;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Extension;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;

/**
 * {@code /ws/logs}, {@code /ws/sessions}, {@code /ws/alerts}: upgrades an HTTP request that passed
 * the security filter to a WebSocket of the {@link LiveHub}, within its connection caps. Uses the
 * Jakarta WebSocket container Felix HTTP puts in the servlet context.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/ws/*")
public class WebSocketServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String CONTAINER = "jakarta.websocket.server.ServerContainer";

    private final transient LiveHub hub;

    @Activate
    public WebSocketServlet(@Reference LiveHub hub) {
        this.hub = hub;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        LiveHub.Channel channel = switch (String.valueOf(req.getPathInfo())) {
            case "/logs" -> LiveHub.Channel.LOGS;
            case "/sessions" -> LiveHub.Channel.SESSIONS;
            case "/alerts" -> LiveHub.Channel.ALERTS;
            default -> null;
        };
        if (channel == null) {
            JsonResponses.error(req, resp, 404, "no such feed; try /ws/logs, /ws/sessions or /ws/alerts");
            return;
        }
        if (!"websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
            JsonResponses.error(req, resp, 426, "this is a WebSocket feed: connect with a WebSocket client");
            return;
        }
        Object container = req.getServletContext().getAttribute(CONTAINER);
        if (!(container instanceof ServerContainer server)) {
            JsonResponses.error(req, resp, 503, "WebSockets are not enabled (framework property org.apache.felix.jakarta.websocket.enable=true)");
            return;
        }
        String address = req.getRemoteAddr();
        if (!hub.reserve(address)) {
            JsonResponses.error(req, resp, 503, "too many WebSocket connections; try again later");
            return;
        }
        Principal p = (Principal) req.getAttribute(Principal.ATTRIBUTE);
        String user = p == null ? "anonymous" : p.name();
        ServerEndpointConfig config = ServerEndpointConfig.Builder.create(Feed.class, req.getRequestURI())
                .configurator(new ServerEndpointConfig.Configurator() {
                    // every method overridden: the platform default configurator is not loadable inside OSGi
                    @Override
                    public <T> T getEndpointInstance(Class<T> type) {
                        return type.cast(new Feed(hub, channel, address, user));
                    }

                    @Override
                    public String getNegotiatedSubprotocol(List<String> supported, List<String> requested) {
                        return "";
                    }

                    @Override
                    public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested) {
                        return List.of();
                    }

                    @Override
                    public boolean checkOrigin(String originHeaderValue) {
                        return true; // the security filter has checked the origin already
                    }

                    @Override
                    public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
                        // nothing to add
                    }
                }).build();
        try {
            server.upgradeHttpToWebSocket(req, resp, config, Map.of());
        } catch (DeploymentException | RuntimeException e) {
            hub.release(address);
            if (!resp.isCommitted()) {
                JsonResponses.error(req, resp, 500, "WebSocket upgrade failed: " + e.getMessage());
            }
        }
    }

    /** One feed connection. */
    public static final class Feed extends Endpoint {
        private final LiveHub hub;
        private final LiveHub.Channel channel;
        private final String address;
        private final String user;
        private volatile LiveHub.Client client;

        Feed(LiveHub hub, LiveHub.Channel channel, String address, String user) {
            this.hub = hub;
            this.channel = channel;
            this.address = address;
            this.user = user;
        }

        @Override
        public void onOpen(Session session, EndpointConfig config) {
            session.setMaxTextMessageBufferSize(Requests.MAX_SMALL_BODY);
            LiveHub.Client c = hub.open(channel, address, user, session);
            client = c;
            session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> hub.message(c, text));
        }

        @Override
        public void onClose(Session session, CloseReason reason) {
            LiveHub.Client c = client;
            if (c != null) {
                hub.closed(c);
            } else {
                hub.release(address);
            }
        }

        @Override
        public void onError(Session session, Throwable error) {
            LiveHub.Client c = client;
            if (c != null) {
                hub.closed(c);
            }
        }
    }
}
