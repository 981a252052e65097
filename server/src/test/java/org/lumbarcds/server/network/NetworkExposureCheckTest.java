package org.lumbarcds.server.network;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.web.ServerProperties;

class NetworkExposureCheckTest {

  private static ServerProperties boundTo(String address) throws Exception {
    ServerProperties server = new ServerProperties();
    server.setAddress(address == null ? null : InetAddress.getByName(address));
    return server;
  }

  @Test
  void loopbackNeedsNoSetting() throws Exception {
    assertThatCode(
            () -> new NetworkExposureCheck(boundTo("127.0.0.1"), new NetworkProperties(false)))
        .doesNotThrowAnyException();
    assertThatCode(() -> new NetworkExposureCheck(boundTo("::1"), new NetworkProperties(false)))
        .doesNotThrowAnyException();
  }

  @Test
  void anotherInterfaceWithoutAuthenticationIsRefused() throws Exception {
    ServerProperties all = boundTo("0.0.0.0");
    assertThatThrownBy(() -> new NetworkExposureCheck(all, new NetworkProperties(false)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("0.0.0.0")
        .hasMessageContaining("LUMBARCDS_ALLOW_UNAUTHENTICATED_NETWORK");
  }

  @Test
  void noAddressMeansAllInterfacesAndIsRefused() throws Exception {
    ServerProperties unset = boundTo(null);
    assertThatThrownBy(() -> new NetworkExposureCheck(unset, new NetworkProperties(false)))
        .hasMessageContaining("all interfaces");
  }

  @Test
  void anotherInterfaceIsAllowedWithTheExplicitSetting() throws Exception {
    assertThatCode(() -> new NetworkExposureCheck(boundTo("0.0.0.0"), new NetworkProperties(true)))
        .doesNotThrowAnyException();
  }
}
