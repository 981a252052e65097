package org.lumbarcds.server.demo;

/** The demo could not be loaded, for a reason the page shows as it is (no patient data). */
final class DemoException extends RuntimeException {

  DemoException(String message) {
    super(message);
  }
}
