package org.lumbarcds.server.network;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lumbarcds.server.security.SecurityProperties;
import org.springframework.boot.autoconfigure.web.ServerProperties;

class NetworkExposureCheckTest {

  private static final SecurityProperties OPEN = new SecurityProperties(List.of());
  private static final SecurityProperties OAUTH =
      new SecurityProperties(
          List.of(
              new SecurityProperties.AuthorizationServer(
                  "https://idp.example.org/realms/h",
                  null,
                  "{\"keys\":[]}",
                  List.of("https://cds.example.org/fhir"),
                  null,
                  null,
                  null,
                  null,
                  null)));

  private static ServerProperties boundTo(String address) throws Exception {
    ServerProperties server = new ServerProperties();
    server.setAddress(address == null ? null : InetAddress.getByName(address));
    return server;
  }

  @Test
  void openModeOnLoopbackNeedsNoSetting() throws Exception {
    assertThatCode(
            () ->
                new NetworkExposureCheck(boundTo("127.0.0.1"), new NetworkProperties(false), OPEN))
        .doesNotThrowAnyException();
    assertThatCode(
            () -> new NetworkExposureCheck(boundTo("::1"), new NetworkProperties(false), OPEN))
        .doesNotThrowAnyException();
  }

  @Test
  void openModeOnAnotherInterfaceIsRefused() throws Exception {
    ServerProperties all = boundTo("0.0.0.0");
    assertThatThrownBy(() -> new NetworkExposureCheck(all, new NetworkProperties(false), OPEN))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("0.0.0.0")
        .hasMessageContaining("lumbarcds.security.authorization-servers");
  }

  @Test
  void noAddressMeansAllInterfacesAndIsRefusedInOpenMode() throws Exception {
    ServerProperties unset = boundTo(null);
    assertThatThrownBy(() -> new NetworkExposureCheck(unset, new NetworkProperties(false), OPEN))
        .hasMessageContaining("all interfaces");
  }

  @Test
  void anAuthorizationServerLetsTheServerListenOnANetwork() throws Exception {
    assertThatCode(
            () -> new NetworkExposureCheck(boundTo("0.0.0.0"), new NetworkProperties(false), OAUTH))
        .doesNotThrowAnyException();
  }

  @Test
  void theOldOptOutIsRefusedWithTheWayOut() throws Exception {
    assertThatThrownBy(
            () -> new NetworkExposureCheck(boundTo("0.0.0.0"), new NetworkProperties(true), OPEN))
        .hasMessageContaining("no longer accepted")
        .hasMessageContaining("authorization server");
  }
}
