import * as AppIntegrity from '@expo/app-integrity';
import {
  type AttestationProvider,
  createAndroidProvider,
  createAppAttestProvider,
  createDebugProvider,
  createPortcullis,
  expoAppIntegrityBridges,
  expoSecureStoreStorage,
} from '@portcullis/client';
import * as SecureStore from 'expo-secure-store';
import { Platform } from 'react-native';

/** The shield in front of the shop's backend (EXPO_PUBLIC_ variables are inlined at build time). */
const SHIELD_URL = process.env['EXPO_PUBLIC_SHIELD_URL'] ?? 'https://shield.shop.example';
/** Simulator, emulator, CI and device-farm builds only: never set it for a store build. */
const DEBUG_TOKEN = process.env['EXPO_PUBLIC_PORTCULLIS_DEBUG_TOKEN'];

function provider(): AttestationProvider {
  if (DEBUG_TOKEN !== undefined && DEBUG_TOKEN !== '') return createDebugProvider({ token: DEBUG_TOKEN });
  const bridges = expoAppIntegrityBridges(AppIntegrity);
  const storage = expoSecureStoreStorage(SecureStore);
  return Platform.OS === 'ios'
    ? createAppAttestProvider({ bridge: bridges.appAttest, storage })
    : createAndroidProvider({ keyAttestation: bridges.androidKey, storage });
}

/** The app's one client: the token lives in it, in memory, for the app's lifetime. */
export const portcullis = createPortcullis({
  baseUrl: SHIELD_URL,
  appId: 'shop',
  provider: provider(),
  publicRoutes: [{ methods: ['GET'], path: '/catalog' }],
  proofRoutes: [{ methods: ['POST'], path: '/payments/session' }],
  onEvent: (event) => {
    if (__DEV__ || event.type === 'warning') console.log('[portcullis]', event);
  },
});
